//! CSV imports: row errors with lines and columns, the CSV dialects people
//! send, upload previews and limits, custom attributes.

use crate::support::{at, Env, HEADER};
use engine::model::{ImportType, MatchType, RunStatus, TextEncoding};
use engine::Error;
use std::collections::BTreeSet;

/// Reads the row-error report back as records.
fn parse_report(report: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(report.as_bytes());
    rdr.records()
        .map(|r| {
            r.expect("report is valid CSV")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn good_rows_are_queued_and_each_bad_row_is_reported_with_line_column_and_value() {
    let env = Env::new().await;
    let app = env.app("HR export").await;

    let long_name = "N".repeat(51);
    let mut data = format!("{HEADER}\n").into_bytes();
    let mut push = |line: &str| {
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
    };
    push("ann@example.com,Ann,Lee,ann@example.com"); // 2 good
    push("bob@example.com,Bob,Smith,bob@example"); // 3 bad email
    push("carl@example.com,,Jones,carl at example.com"); // 4 bad email and missing firstName
    push("ANN@example.com,Ann,Again,ann2@example.com"); // 5 login of line 2 again
    push(&format!(
        "dave@example.com,{long_name},Brown,dave@example.com"
    )); // 6 firstName too long
    push("erin@example.com,Erin,White"); // 7 three fields, header has four
    push("frank@example.com,Frank,Green,frank@example.com"); // 8 good
    for i in 0..200 {
        push(&format!("pad{i}@example.com,Pad,Row{i},pad{i}@example.com")); // 9..=208
    }
    data.extend_from_slice(b"gina@example.com,G\xffna,Gray,gina@example.com\n"); // 209 not UTF-8
    data.extend_from_slice(b"hank@example.com,Hank,Hill,hank@example.com\n"); // 210 good

    // The preview refuses the file for its byte that is not UTF-8, far as
    // it is from the start; an import of it all the same (a scheduled import
    // reads the app's latest upload) reports that row and imports the rest.
    let preview = env.upload(&app, &data).await;
    assert_eq!(preview.problems.len(), 1, "{:?}", preview.problems);
    assert!(
        preview.problems[0].starts_with("Line 209 is not UTF-8 (byte 0xFF at offset "),
        "{:?}",
        preview.problems
    );
    assert_eq!(preview.columns, ["login", "firstName", "lastName", "email"]);
    assert_eq!(preview.row_count, 209, "the rows are counted all the same");
    assert_eq!(
        preview.rows[0],
        ["ann@example.com", "Ann", "Lee", "ann@example.com"]
    );

    let run = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&preview.id), ImportType::Full)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Queued);
    let run = env
        .engine
        .run_next_job()
        .await
        .unwrap()
        .expect("the import ran");
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.total, Some(209));
    assert_eq!(run.counts.scanned, 209);
    assert_eq!(run.counts.new, 203);
    assert_eq!(run.counts.errors, 6, "rows in error, not problems");
    assert_eq!(
        (run.counts.matched, run.counts.conflicts, run.counts.updated),
        (0, 0, 0)
    );

    // Every good row is queued as new, and only those.
    let queue = env.queue(&app).await;
    let logins: BTreeSet<String> = queue.iter().map(|r| r.login.clone()).collect();
    let mut expected: BTreeSet<String> =
        ["ann@example.com", "frank@example.com", "hank@example.com"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    expected.extend((0..200).map(|i| format!("pad{i}@example.com")));
    assert_eq!(logins, expected);
    assert!(queue.iter().all(|r| r.match_type == MatchType::New));
    let ann = queue.iter().find(|r| r.login == "ann@example.com").unwrap();
    assert_eq!(
        (ann.first_name.as_str(), ann.last_name.as_str()),
        ("Ann", "Lee"),
        "the first ann is kept"
    );
    assert_eq!(env.refresh(&app).await.unconfirmed, 203);

    // Each problem with its line, column and value.
    let errors = env.row_errors(&run).await;
    let got: Vec<(Option<i64>, Option<&str>, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref(), e.value.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(3), Some("email"), Some("bob@example")),
            (Some(4), Some("email"), Some("carl at example.com")),
            (Some(4), Some("firstName"), Some("")),
            (Some(5), Some("login"), Some("ANN@example.com")),
            (Some(6), Some("firstName"), Some(long_name.as_str())),
            (Some(7), None, None),
            (Some(209), Some("firstName"), Some("G\u{fffd}na")),
        ]
    );
    assert!(
        errors[0].message.contains("is not an email address"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[2].message.contains("is required"),
        "{}",
        errors[2].message
    );
    assert!(
        errors[3].message.contains("more than once")
            && errors[3].message.contains("first on line 2"),
        "{}",
        errors[3].message
    );
    assert!(
        errors[4].message.contains("longer than 50 characters"),
        "{}",
        errors[4].message
    );
    assert!(
        errors[5].message.contains("3 fields but the header has 4"),
        "{}",
        errors[5].message
    );
    assert!(errors[6].message.contains("UTF-8"), "{}", errors[6].message);

    // Paging the errors.
    let page = env
        .engine
        .read(&env.admin)
        .row_errors(&run.id, 2, 2)
        .await
        .unwrap();
    assert_eq!(page.total, 7);
    assert_eq!(page.items, errors[2..4]);

    // The downloadable report: a header and one line per problem.
    let report = env
        .engine
        .read(&env.admin)
        .row_errors_csv(&run.id)
        .await
        .unwrap();
    assert!(report.starts_with("line,field,value,error\r\n"), "{report}");
    let records = parse_report(&report);
    assert_eq!(records.len(), 1 + errors.len(), "{report}");
    assert_eq!(records[0], ["line", "field", "value", "error"]);
    for (record, error) in records[1..].iter().zip(&errors) {
        assert_eq!(record[0], error.line.unwrap().to_string());
        assert_eq!(record[1], error.field.clone().unwrap_or_default());
        assert_eq!(record[2], error.value.clone().unwrap_or_default());
        assert_eq!(record[3], error.message);
    }
    assert_eq!(
        records[1][3], "email: \"bob@example\" is not an email address",
        "quotes survive the report"
    );

    // The run's System Log entry counts the same.
    let complete = env.events_of_type("system.import.complete").await;
    assert_eq!(complete.len(), 1);
    let debug = &complete[0]["debugContext"]["debugData"];
    assert_eq!(debug["totalObjects"], 209);
    assert_eq!(debug["addedObjects"], 203);
    assert_eq!(debug["errorObjects"], 6);

    // Confirming creates exactly the good rows.
    let outcome = env.confirm_all(&app, false).await;
    assert_eq!(outcome.created, 203);
    assert_eq!(env.user_count().await, 203);
}

#[tokio::test]
async fn the_error_report_writes_formulas_from_the_file_as_text() {
    let env = Env::new().await;
    let app = env.app("Formulas").await;
    let data = concat!(
        "login,firstName,lastName,email\n",
        "ann@example.com,Ann,Lee,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\"\n",
        "bob@example.com,Bob,Smith,+1 555 0100\n",
        "carl@example.com,Carl,Jones,-2+3\n",
        "dave@example.com,Dave,Day,@SUM(A1:A2)\n",
    );
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    let errors = env.row_errors(&run).await;
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(
        errors[0].value.as_deref(),
        Some("=HYPERLINK(\"http://evil.example\",\"Click\")"),
        "the stored value is the file's"
    );

    let report = env
        .engine
        .read(&env.admin)
        .row_errors_csv(&run.id)
        .await
        .unwrap();
    let values: Vec<String> = parse_report(&report)[1..]
        .iter()
        .map(|record| record[2].clone())
        .collect();
    assert_eq!(
        values,
        [
            "'=HYPERLINK(\"http://evil.example\",\"Click\")",
            "'+1 555 0100",
            "'-2+3",
            "'@SUM(A1:A2)",
        ],
        "{report}"
    );
}

#[tokio::test]
async fn quotes_embedded_newlines_bom_crlf_empty_quotes_and_blank_lines() {
    let env = Env::new().await;
    let app = env.app("Quoted").await;
    let data = concat!(
        "\u{feff}login,firstName,lastName,email,title\r\n", // 1 (BOM, CRLF)
        "ann@example.com,\"Lee, Ann\",Lee,ann@example.com,\"Head of \"\"Ops\"\"\"\r\n", // 2
        "bob@example.com,Bob,Smith,bob@example.com,\"Line one\r\nLine two\"\r\n", // 3-4
        "\r\n",                                             // 5 blank
        "carl@example.com,Carl,\"\",carl@example.com,x\r\n", // 6 empty quoted lastName
        "dave@example.com,Dave,Day,dave@example.com,\"\"\r\n", // 7 empty quoted title
        "   \r\n",                                          // 8 only spaces
        "erin@example.com,\"Erin\r\n\r\nMarie\",Evans,erin@example.com,x\r\n", // 9-11
        "fay@example.com,Fay,Fox,not-an-email,\"a,b\"\r\n", // 12
        "\r\n\r\n",                                         // 13-14
        "gus@example.com,Gus,Grant,gus@example.com,Last row", // 15, no line end
    );
    let preview = env.upload(&app, data.as_bytes()).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert_eq!(
        preview.columns,
        ["login", "firstName", "lastName", "email", "title"],
        "the BOM is not part of login"
    );
    assert_eq!(preview.row_count, 7);
    assert_eq!(preview.rows[0][1], "Lee, Ann");
    assert_eq!(
        preview.custom_attributes,
        Vec::<String>::new(),
        "title is a standard column"
    );

    let started = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&preview.id), ImportType::Full)
        .await
        .unwrap();
    let run = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(run.id, started.id);
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(
        (run.counts.scanned, run.counts.new, run.counts.errors),
        (7, 5, 2)
    );

    let errors = env.row_errors(&run).await;
    let got: Vec<(Option<i64>, Option<&str>, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref(), e.value.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(6), Some("lastName"), Some("")),
            (Some(12), Some("email"), Some("not-an-email"))
        ],
        "line numbers count embedded line breaks, CRLF ends and blank lines"
    );

    let queue = env.queue(&app).await;
    let ann = queue.iter().find(|r| r.login == "ann@example.com").unwrap();
    assert_eq!(ann.first_name, "Lee, Ann");
    let erin = queue
        .iter()
        .find(|r| r.login == "erin@example.com")
        .unwrap();
    assert_eq!(erin.first_name, "Erin\r\n\r\nMarie");

    env.confirm_all(&app, true).await;
    assert_eq!(env.user_count().await, 5);
    let ann = env.user_by_login("ann@example.com").await;
    assert_eq!(ann.first_name, "Lee, Ann");
    assert_eq!(ann.profile["title"], "Head of \"Ops\"");
    let bob = env.user_by_login("bob@example.com").await;
    assert_eq!(bob.profile["title"], "Line one\r\nLine two");
    let dave = env.user_by_login("dave@example.com").await;
    assert!(
        dave.profile.get("title").is_none(),
        "an empty quoted value sets nothing: {}",
        dave.profile
    );
    let gus = env.user_by_login("gus@example.com").await;
    assert_eq!(
        gus.profile["title"], "Last row",
        "the last row needs no line end"
    );
}

#[tokio::test]
async fn a_bom_before_a_quoted_header_is_still_read() {
    // What Windows PowerShell's `Export-Csv -Encoding UTF8` writes.
    let env = Env::new().await;
    let app = env.app("PowerShell").await;
    let data = "\u{feff}\"login\",\"firstName\",\"lastName\",\"email\"\r\n\"ann@example.com\",\"Ann\",\"Lee\",\"ann@example.com\"\r\n\r\n\"bob@example.com\",\"Bob\",\"Lee\",\"bob@\"\r\n";
    let preview = env.upload(&app, data.as_bytes()).await;
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert_eq!(preview.columns, ["login", "firstName", "lastName", "email"]);
    let started = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&preview.id), ImportType::Full)
        .await
        .unwrap();
    let run = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(run.id, started.id);
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!((run.counts.new, run.counts.errors), (1, 1));
    let errors = env.row_errors(&run).await;
    assert_eq!(
        (errors[0].line, errors[0].field.as_deref()),
        (Some(4), Some("email"))
    );
}

#[tokio::test]
async fn line_numbers_of_a_file_with_old_mac_line_ends() {
    // Excel for Mac's "Macintosh Comma Separated" ends lines with a lone CR.
    let env = Env::new().await;
    let app = env.app("Mac").await;
    let data = "login,firstName,lastName,email\r\
                ann@example.com,Ann,Lee,ann@example.com\r\
                bob@example.com,Bob,Lee,bob@\r\
                \r\
                carl@example.com,\"Carl\rJr\",Lee,carl@example.com\r\
                dave@example.com,Dave,Lee,dave@\r";
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(
        (run.counts.scanned, run.counts.new, run.counts.errors),
        (4, 2, 2)
    );
    let lines: Vec<Option<i64>> = env.row_errors(&run).await.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(3), Some(7)]);
}

#[tokio::test]
async fn previews_name_what_stops_an_import() {
    let env = Env::new().await;
    let app = env.app("Previews").await;

    let p = env
        .upload(&app, b"login,firstName\nann@example.com,Ann\n")
        .await;
    assert_eq!(p.columns, ["login", "firstName"]);
    assert_eq!(p.row_count, 1);
    assert!(
        p.problems[0].contains("Missing required columns: lastName, email"),
        "{:?}",
        p.problems
    );

    let p = env.upload(&app, b"").await;
    assert_eq!(p.row_count, 0);
    assert!(p.problems[0].contains("empty"), "{:?}", p.problems);

    let p = env.upload(&app, format!("{HEADER}\r\n").as_bytes()).await;
    assert!(p.problems[0].contains("no users"), "{:?}", p.problems);

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";
    let p = env.upload(&app, png).await;
    assert!(p.problems[0].contains("not a CSV file"), "{:?}", p.problems);
    assert!(p.columns.is_empty());

    let p = env
        .upload(
            &app,
            b"login,firstName,lastName,email\nann@example.com,Ren\xe9,Lee,ann@example.com\n",
        )
        .await;
    assert_eq!(
        p.problems,
        ["Line 2 is not UTF-8 (byte 0xE9 at offset 50 of the file): ann@example.com,Ren\u{FFFD},Lee,ann@example.com"],
        "Latin-1 text is refused at the preview"
    );
    assert_eq!(p.encodings, [TextEncoding::Windows1252]);

    let p = env
        .upload(
            &app,
            b"login,firstName,lastName,email,login\nann@example.com,Ann,Lee,ann@example.com,x\n",
        )
        .await;
    assert!(
        p.problems
            .iter()
            .any(|m| m.contains("column 5") && m.contains("appears twice")),
        "{:?}",
        p.problems
    );

    // Every upload was kept for its preview.
    assert_eq!(env.upload_files().len(), 6);

    // An import of a file with such problems fails with the reason, and says so in the System Log.
    let p = env
        .upload(&app, b"login,firstName\nann@example.com,Ann\n")
        .await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    let run = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert!(
        run.message
            .as_deref()
            .unwrap_or("")
            .contains("lastName, email"),
        "{:?}",
        run.message
    );
    let complete = env.events_of_type("system.import.complete").await;
    assert_eq!(complete.len(), 1);
    assert_eq!(at(&complete[0], "/outcome/result"), "FAILURE");
    assert!(at(&complete[0], "/outcome/reason").contains("lastName, email"));
    assert!(env.queue(&app).await.is_empty());

    // Asking for an import without a file, or of another app's file, is refused.
    assert!(matches!(
        env.engine
            .write(&env.admin)
            .unwrap()
            .start_import(&app.id, None, ImportType::Full)
            .await,
        Err(Error::InvalidInput(_))
    ));
    let other = env.app("Other").await;
    assert!(matches!(
        env.engine
            .write(&env.admin)
            .unwrap()
            .start_import(&other.id, Some(&p.id), ImportType::Full)
            .await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn an_excel_windows_1252_file_is_read_as_windows_1252_and_imported_as_utf8() {
    let env = Env::new().await;
    let app = env.app("Excel").await;
    let excel: &[u8] = b"login,firstName,lastName,email,department\r\n\
        ann@example.com,Ann,Lee,ann@example.com,Sales\r\n\
        renee@example.com,Ren\xE9e,Dupont,renee@example.com,Ventes\r\n\
        jurgen@example.com,J\xFCrgen,Gro\xDF,jurgen@example.com,Einkauf \x80\r\n";
    let refused = env.upload(&app, excel).await;
    assert_eq!(
        refused.problems,
        ["Line 3 is not UTF-8 (byte 0xE9 at offset 111 of the file): renee@example.com,Ren\u{FFFD}e,Dupont,renee@example.com,Ventes"]
    );
    assert_eq!(excel.get(111), Some(&0xE9));
    assert_eq!(refused.row_count, 3);
    assert_eq!(
        refused.rows[1][1], "Ren\u{FFFD}e",
        "shown as read, before a choice"
    );
    assert_eq!(refused.encodings, [TextEncoding::Windows1252]);
    assert_eq!(refused.decoded_from, None);

    let write = env.engine.write(&env.admin).unwrap();
    let read = write
        .decode_upload(&app.id, &refused.id, TextEncoding::Windows1252)
        .await
        .unwrap();
    assert_ne!(read.id, refused.id, "the converted file is a new upload");
    assert_eq!(read.file_name, "x.csv");
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert!(read.encodings.is_empty());
    assert_eq!(read.decoded_from, Some(TextEncoding::Windows1252));
    assert_eq!(read.row_count, 3);
    assert_eq!(read.rows[1][1], "Renée");
    assert_eq!(read.rows[2][1..3], ["Jürgen", "Groß"]);
    assert_eq!(read.rows[2][4], "Einkauf €");
    // Stored once as UTF-8: the file the import reads, and its size.
    let converted = env
        .upload_files()
        .into_iter()
        .find(|f| f.file_stem().is_some_and(|s| s == read.id.as_str()))
        .unwrap();
    let text = std::fs::read_to_string(&converted).unwrap();
    assert!(text.contains("renee@example.com,Renée,Dupont"), "{text}");
    assert_eq!(read.size, text.len() as u64);

    write
        .start_import(&app.id, Some(&read.id), ImportType::Full)
        .await
        .unwrap();
    let run = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!((run.counts.new, run.counts.errors), (3, 0));
    env.confirm_all(&app, true).await;
    let renee = env.user_by_login("renee@example.com").await;
    assert_eq!(
        (renee.first_name.as_str(), renee.last_name.as_str()),
        ("Renée", "Dupont")
    );
    let jurgen = env.user_by_login("jurgen@example.com").await;
    assert_eq!(jurgen.last_name, "Groß");
    assert_eq!(jurgen.profile["department"], "Einkauf €");

    // UTF-8 files need no other reading, binary files have none, and an
    // upload is read only through its own app.
    let utf8 = env
        .upload(
            &app,
            "login,firstName,lastName,email\nann@example.com,Ann,Lée,ann@example.com\n".as_bytes(),
        )
        .await;
    assert!(
        utf8.problems.is_empty() && utf8.encodings.is_empty(),
        "{utf8:?}"
    );
    let err = write
        .decode_upload(&app.id, &utf8.id, TextEncoding::Windows1252)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("UTF-8 text already")),
        "{err:?}"
    );
    let png = env
        .upload(&app, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10")
        .await;
    assert!(
        png.encodings.is_empty(),
        "no other reading is offered for binary data"
    );
    let err = write
        .decode_upload(&app.id, &png.id, TextEncoding::Windows1252)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("not a CSV file")),
        "{err:?}"
    );
    let other = env.app("Other").await;
    assert!(matches!(
        write
            .decode_upload(&other.id, &refused.id, TextEncoding::Windows1252)
            .await,
        Err(Error::NotFound(_))
    ));
    // Neither refusal left a file behind: three uploads and one conversion.
    assert_eq!(env.upload_files().len(), 4);
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_leaves_no_file() {
    let env = Env::with_limit(4096).await;
    let app = env.app("Small").await;
    let big = crate::support::users_csv("u", 0..200);
    assert!(big.len() > 4096);
    let err = env
        .engine
        .write(&env.admin)
        .unwrap()
        .save_upload(&app.id, "big.csv", big.as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit_mib: 1 }), "{err:?}");
    assert_eq!(err.code(), "MUS0413");
    assert!(env.upload_files().is_empty(), "{:?}", env.upload_files());

    // Just under the limit is fine.
    let small = crate::support::users_csv("u", 0..40);
    assert!(small.len() <= 4096);
    let p = env.upload(&app, small.as_bytes()).await;
    assert_eq!(p.size, small.len() as u64);
    assert_eq!(p.row_count, 40);
    assert_eq!(env.upload_files().len(), 1);
}

#[tokio::test]
async fn read_only_admins_can_look_but_get_no_write_handle() {
    let env = Env::new().await;
    let app = env.app("Guarded").await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .create_admin("viewer", "viewer-password", true)
        .await
        .unwrap();
    let (viewer, _) = env
        .engine
        .sign_in("viewer", "viewer-password", None)
        .await
        .unwrap();
    // Uploading, importing and confirming exist only on the write handle.
    assert!(matches!(env.engine.write(&viewer), Err(Error::Forbidden)));
    let apps = env.engine.read(&viewer).list_apps("").await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].id, app.id);
}

#[tokio::test]
async fn extra_columns_become_custom_profile_attributes() {
    let env = Env::new().await;
    let app = env.app("Custom").await;
    let data = "login,firstName,lastName,email,department,costCenter,employeeNumber\n\
                ann@example.com,Ann,Lee,ann@example.com,Finance,CC-7,E100\n\
                bob@example.com,Bob,Smith,bob@example.com,Sales, CC-9 ,\n";
    let p = env.upload(&app, data.as_bytes()).await;
    assert_eq!(
        p.custom_attributes,
        ["costCenter", "employeeNumber"],
        "department is a standard column"
    );
    let run = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        env.engine
            .read(&env.admin)
            .get_run(&run.id)
            .await
            .unwrap()
            .counts
            .new,
        2
    );
    let outcome = env.confirm_all(&app, true).await;
    assert_eq!((outcome.created, outcome.activated), (2, 2));

    let ann = env.user_by_login("ann@example.com").await;
    assert_eq!(ann.profile["costCenter"], "CC-7");
    assert_eq!(ann.profile["employeeNumber"], "E100");
    assert_eq!(ann.profile["department"], "Finance");
    assert_eq!(ann.profile["login"], "ann@example.com");
    assert_eq!(ann.profile["firstName"], "Ann");
    assert_eq!(ann.source_app_id.as_deref(), Some(app.id.as_str()));
    assert_eq!(ann.source_app_name.as_deref(), Some("Custom"));

    let bob = env.user_by_login("bob@example.com").await;
    assert_eq!(bob.profile["costCenter"], "CC-9", "values are trimmed");
    assert!(
        bob.profile.get("employeeNumber").is_none(),
        "an empty value sets nothing: {}",
        bob.profile
    );
    assert_eq!(
        env.engine.read(&env.admin).get_user(&bob.id).await.unwrap(),
        bob
    );
}
