//! Match: an unlinked account's profile against the directory, as the app's
//! rules say. Pure: the directory comes as an in-memory index read once per run.

use crate::model::{MatchType, UserProfile};
use crate::settings::Matching;
use crate::store::{name_key, UserIndex};

/// The result of matching one imported profile against the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    pub match_type: MatchType,
    pub user_id: Option<String>,
    /// Every user the profile could be: one for an exact or partial match,
    /// several for a conflict.
    pub candidates: Vec<String>,
}

impl MatchResult {
    fn of(match_type: MatchType, candidates: Vec<&str>) -> MatchResult {
        let mut candidates: Vec<String> = candidates.into_iter().map(str::to_owned).collect();
        candidates.sort_unstable();
        candidates.dedup();
        match (match_type, candidates.len()) {
            (MatchType::New, _) | (_, 0) => MatchResult {
                match_type: MatchType::New,
                user_id: None,
                candidates: Vec::new(),
            },
            (t, 1) => MatchResult {
                match_type: t,
                user_id: candidates.first().cloned(),
                candidates,
            },
            (_, _) => MatchResult {
                match_type: MatchType::Conflict,
                user_id: None,
                candidates,
            },
        }
    }
}

/// Keeps the ids both lists hold; `None` stands for "no criterion yet".
fn narrow<'a>(so_far: Option<Vec<&'a str>>, found: Vec<&'a str>) -> Option<Vec<&'a str>> {
    Some(match so_far {
        None => found,
        Some(prev) => prev.into_iter().filter(|id| found.contains(id)).collect(),
    })
}

/// Matches a profile as the app's settings say: a user satisfying every
/// chosen criterion (case-insensitively) is an exact match; otherwise, when
/// allowed, one with the same first and last name is a partial match.
/// Several candidates make a conflict, never a pick; so does a new user
/// whose login another user has.
pub fn match_profile(index: &UserIndex, matching: &Matching, profile: &UserProfile) -> MatchResult {
    let login_key = profile.login.key();
    let mut exact = None;
    if let Some(attribute) = &matching.attribute {
        let value = profile
            .attributes
            .get(attribute)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        exact = narrow(
            exact,
            if value.trim().is_empty() {
                Vec::new()
            } else {
                index.by_attribute(value)
            },
        );
    } else {
        if matching.username {
            exact = narrow(exact, index.by_login(&login_key).into_iter().collect());
        }
        if matching.email {
            exact = narrow(exact, index.by_email(&profile.email.key()));
        }
    }
    let exact = exact.unwrap_or_default();
    if !exact.is_empty() {
        return MatchResult::of(MatchType::Exact, exact);
    }
    if matching.allow_partial {
        let by_name = index.by_name(&name_key(&profile.first_name, &profile.last_name));
        if !by_name.is_empty() {
            return MatchResult::of(MatchType::Partial, by_name);
        }
    }
    if let Some(owner) = index.by_login(&login_key) {
        return MatchResult {
            match_type: MatchType::Conflict,
            user_id: None,
            candidates: vec![owner.to_owned()],
        };
    }
    MatchResult::of(MatchType::New, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_named(
        login: &str,
        email: &str,
        first: &str,
        last: &str,
        extra: &[(&str, &str)],
    ) -> UserProfile {
        let mut a: Vec<(String, String)> = [
            ("login", login),
            ("firstName", first),
            ("lastName", last),
            ("email", email),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        a.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        UserProfile::from_attributes(&a).unwrap()
    }

    fn matching(username: bool, email: bool, attribute: Option<&str>, partial: bool) -> Matching {
        Matching {
            username,
            email,
            attribute: attribute.map(str::to_owned),
            allow_partial: partial,
            ..Matching::default()
        }
    }

    /// ann (ann@x.io, Ann Lee, emp 7), bob (bob@x.io, Bob Ray, emp 8),
    /// cy (team@x.io, Cy Lee), di (TEAM@x.io, Di Lee), ann2 (other@x.io, Ann Lee)
    fn index(attribute: bool) -> UserIndex {
        let mut index = UserIndex::default();
        let users = [
            ("00u1", "Ann", "ann@x.io", "Ann", "Lee", Some("7")),
            ("00u2", "bob", "Bob@X.io", "Bob", "Ray", Some("8")),
            ("00u3", "cy", "team@x.io", "Cy", "Lee", None),
            ("00u4", "di", "TEAM@x.io", "Di", "Lee", None),
            ("00u5", "ann2", "other@x.io", "Ann", "Lee", None),
        ];
        for (id, login, email, first, last, emp) in users {
            index.insert_with(
                id,
                login,
                email,
                Some(name_key(first, last)),
                if attribute { emp } else { None },
            );
        }
        index
    }

    fn kind(m: &MatchResult) -> (MatchType, Option<&str>, usize) {
        (m.match_type, m.user_id.as_deref(), m.candidates.len())
    }

    #[test]
    fn username_criterion_matches_login_case_insensitively() {
        let i = index(false);
        let m = match_profile(
            &i,
            &matching(true, false, None, false),
            &profile_named("ANN", "new@x.io", "A", "B", &[]),
        );
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u1"), 1));
        let m = match_profile(
            &i,
            &matching(true, false, None, false),
            &profile_named("eve", "bob@x.io", "A", "B", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::New, None, 0),
            "email alone does not match when only the username is a criterion"
        );
    }

    #[test]
    fn email_criterion_matches_and_a_shared_email_is_a_conflict() {
        let i = index(false);
        let m = match_profile(
            &i,
            &matching(false, true, None, false),
            &profile_named("robert", "bob@x.IO", "A", "B", &[]),
        );
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u2"), 1));
        let m = match_profile(
            &i,
            &matching(false, true, None, false),
            &profile_named("eve", "Team@x.io", "A", "B", &[]),
        );
        assert_eq!(kind(&m), (MatchType::Conflict, None, 2));
    }

    #[test]
    fn every_chosen_criterion_must_hold() {
        let i = index(false);
        let both = matching(true, true, None, false);
        let m = match_profile(&i, &both, &profile_named("ann", "ANN@x.io", "A", "B", &[]));
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u1"), 1));
        // Login of one user, email of another: no user satisfies both, and the
        // login is taken, so it cannot be created either.
        let m = match_profile(&i, &both, &profile_named("ann", "bob@x.io", "A", "B", &[]));
        assert_eq!(kind(&m), (MatchType::Conflict, None, 1));
        let m = match_profile(&i, &both, &profile_named("eve", "bob@x.io", "A", "B", &[]));
        assert_eq!(kind(&m), (MatchType::New, None, 0));
    }

    #[test]
    fn attribute_criterion_alone_decides() {
        let i = index(true);
        let by_emp = matching(false, false, Some("employeeNumber"), false);
        let m = match_profile(
            &i,
            &by_emp,
            &profile_named("zed", "zed@x.io", "A", "B", &[("employeeNumber", "8")]),
        );
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u2"), 1));
        let m = match_profile(
            &i,
            &by_emp,
            &profile_named("eve", "ann@x.io", "A", "B", &[("employeeNumber", "99")]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::New, None, 0),
            "a matching email does not count under the attribute criterion"
        );
        let m = match_profile(
            &i,
            &by_emp,
            &profile_named("eve", "eve@x.io", "A", "B", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::New, None, 0),
            "an empty attribute matches nobody"
        );
    }

    #[test]
    fn partial_matches_by_name_only_when_allowed() {
        let i = index(false);
        let p = profile_named("bobby", "bobby@y.io", "bob", "RAY", &[]);
        assert_eq!(
            kind(&match_profile(&i, &matching(true, false, None, false), &p)),
            (MatchType::New, None, 0)
        );
        let m = match_profile(&i, &matching(true, false, None, true), &p);
        assert_eq!(kind(&m), (MatchType::Partial, Some("00u2"), 1));
        let m = match_profile(
            &i,
            &matching(true, false, None, true),
            &profile_named("annie", "a@y.io", "Ann", "Lee", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::Conflict, None, 2),
            "two users named Ann Lee"
        );
        let m = match_profile(
            &i,
            &matching(true, false, None, true),
            &profile_named("ann", "a@y.io", "Ann", "Lee", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::Exact, Some("00u1"), 1),
            "an exact match wins over a partial one"
        );
    }
}
