//! The System Log `filter` expression language (Okta / SCIM style).
//!
//! A filter is a boolean expression over the attributes of a `LogEvent`, for example
//!
//! ```text
//! eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Manual action"
//! ```
//!
//! # Grammar
//!
//! ```text
//! filter     := or_expr EOF
//! or_expr    := and_expr ( "or" and_expr )*
//! and_expr   := unary ( "and" unary )*
//! unary      := "not" unary | primary
//! primary    := "(" or_expr ")" | comparison
//! comparison := path "pr" | path binop literal
//! binop      := "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "sw" | "co" | "ew"
//! literal    := json-string | json-number | "true" | "false" | "null"
//! path       := segment ( "." segment )*
//! segment    := [A-Za-z0-9_$]+                  (a path must not start with a digit)
//! ```
//!
//! * Operators and the keywords `and`, `or`, `not`, `true`, `false`, `null` are
//!   case-insensitive; attribute paths are case-sensitive. `and`, `or` and `not`
//!   are reserved and cannot be used as attribute paths.
//! * Precedence, tightest first: comparison, `not`, `and`, `or`. `and`/`or` are
//!   left-associative (and associative, so they are stored as flat lists).
//! * Nesting (parentheses and `not`) deeper than 64 levels is rejected, so
//!   neither parsing nor evaluation can overflow the stack.
//! * Error positions are 0-based *character* (not byte) offsets into the input.
//!
//! # Semantics
//!
//! * A path is resolved against the event JSON; whenever it crosses an array, every
//!   element is visited, so a comparison holds if it holds for *any* resolved value
//!   (`target.id eq "00u1"` matches if some target has that id).
//! * `pr`: some resolved value exists and is not `null` (an empty array is not present,
//!   an empty string is).
//! * `eq`: strings compare in any case, as SCIM compares attributes that are not
//!   case-exact (`importType eq "INCREMENTAL"` matches `"Incremental"`); numbers numerically; a number
//!   literal also matches a string attribute holding a JSON-syntax number (`"42"`);
//!   booleans and `null` by equality. `x eq null` does not match a missing `x`
//!   (use `not x pr` for that).
//! * `ne` is exactly the negation of `eq`: true when no resolved value equals the
//!   literal, which includes missing attributes and values of another type.
//! * `sw`, `co`, `ew`: case-insensitive string prefix / substring / suffix tests; the
//!   literal must be a string (anything else is a parse error) and non-string
//!   attribute values never match.
//! * `gt`, `ge`, `lt`, `le`: numbers numerically (including numeric strings against a
//!   number literal), strings lexicographically by code point, so ISO-8601 timestamps
//!   in the same format compare chronologically. The literal must be a string or a
//!   number (booleans and `null` are a parse error); any other type pairing is false.
//! * Apart from `ne` (the negation of `eq`), a type mismatch simply evaluates to
//!   false; evaluation never panics.

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

/// Maximum nesting depth of parentheses and `not` operators.
const MAX_DEPTH: usize = 64;

const OPERATOR_LIST: &str = "eq,ne,co,sw,ew,pr,gt,ge,lt,le";

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Expr,
}

/// Why a filter string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// 0-based character offset of the offending token (0 for an empty filter).
    pub position: usize,
    /// Human-readable message; already mentions the position where relevant.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        FilterError {
            position,
            message: message.into(),
        }
    }

    /// An error whose message ends with ` at position N`.
    fn at(position: usize, what: impl fmt::Display) -> Self {
        FilterError::new(position, format!("{what} at position {position}"))
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

impl Filter {
    /// Parses a filter expression. See the module documentation for the grammar.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Err(FilterError::new(0, "Empty filter"));
        }
        let mut parser = Parser {
            tokens,
            next: 0,
            end: input.chars().count(),
            depth: 0,
            open_parens: 0,
        };
        let root = parser.parse_or()?;
        if let Some(token) = parser.peek() {
            return Err(match token.kind {
                TokenKind::RParen => FilterError::at(token.pos, "Unbalanced parenthesis"),
                _ => unexpected(token),
            });
        }
        Ok(Filter { root })
    }

    /// True when the event (a LogEvent as JSON) satisfies the filter.
    pub fn matches(&self, event: &Value) -> bool {
        self.root.eval(event)
    }

    /// Event types the filter restricts to, when the whole filter can only match those:
    /// `eventType eq "a"` -> `Some(["a"])`; `eventType eq "a" and x pr` -> `Some(["a"])`;
    /// `eventType eq "a" or eventType eq "b"` -> `Some(["a","b"])`; anything else -> `None`.
    ///
    /// Used to push the restriction down to an SQL index; it never excludes an event
    /// that [`Filter::matches`] would accept. For an `and`, the smallest restriction of
    /// its operands is used (which stays sound even for exotic events whose `eventType`
    /// is an array); an `or` is restricted only if every operand is. `Some(vec![])`
    /// is never produced.
    pub fn event_types(&self) -> Option<Vec<String>> {
        self.root.event_types()
    }

    /// Every attribute path the filter names, dotted, in the order written.
    pub fn paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.root.collect_paths(&mut out);
        out
    }
}

impl Expr {
    fn collect_paths(&self, out: &mut Vec<String>) {
        match self {
            Expr::And(items) | Expr::Or(items) => {
                items.iter().for_each(|e| e.collect_paths(out));
            }
            Expr::Not(inner) => inner.collect_paths(out),
            Expr::Present(path) | Expr::Compare { path, .. } => out.push(path.0.join(".")),
        }
    }
}

// ---------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    LParen,
    RParen,
    /// A bare word: attribute path, operator, keyword or `true`/`false`/`null`.
    Word(String),
    /// A decoded string literal.
    Str(String),
    Num(Number),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    /// Character offset of the first character.
    pos: usize,
    /// The token exactly as written, for error messages.
    text: String,
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'
}

/// Characters swallowed into a number token before it is validated, so that
/// `12abc` or `1.2.3` is reported as one invalid literal.
fn is_number_char(c: char) -> bool {
    is_word_char(c) || c == '+' || c == '-'
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let kind = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                TokenKind::LParen
            }
            ')' => {
                i += 1;
                TokenKind::RParen
            }
            '"' => {
                let (value, after) = lex_string(&chars, start)?;
                i = after;
                TokenKind::Str(value)
            }
            '-' | '0'..='9' => {
                i = scan(&chars, i + 1, is_number_char);
                let text: String = chars.get(start..i).unwrap_or_default().iter().collect();
                match parse_number(&text) {
                    Some(n) => TokenKind::Num(n),
                    None => {
                        return Err(FilterError::at(
                            start,
                            format!("Invalid number literal '{text}'"),
                        ))
                    }
                }
            }
            c if is_word_start(c) => {
                i = scan(&chars, i + 1, is_word_char);
                TokenKind::Word(chars.get(start..i).unwrap_or_default().iter().collect())
            }
            other => return Err(FilterError::at(start, format!("Unexpected '{other}'"))),
        };
        let text = chars.get(start..i).unwrap_or_default().iter().collect();
        tokens.push(Token {
            kind,
            pos: start,
            text,
        });
    }
    Ok(tokens)
}

/// Returns the index of the first character at or after `i` not satisfying `pred`.
fn scan(chars: &[char], mut i: usize, pred: fn(char) -> bool) -> usize {
    while chars.get(i).is_some_and(|&c| pred(c)) {
        i += 1;
    }
    i
}

/// Lexes a JSON string literal whose opening quote is at `start`.
/// Returns the decoded value and the index just past the closing quote.
fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), FilterError> {
    let unterminated = || FilterError::at(start, "Unterminated string literal");
    let mut out = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err(unterminated()),
            Some('"') => return Ok((out, i + 1)),
            Some('\\') => {
                let escape_pos = i;
                let invalid = || FilterError::at(escape_pos, "Invalid escape in string literal");
                let simple = match chars.get(i + 1) {
                    None => return Err(unterminated()),
                    Some('"') => '"',
                    Some('\\') => '\\',
                    Some('/') => '/',
                    Some('b') => '\u{8}',
                    Some('f') => '\u{c}',
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some('t') => '\t',
                    Some('u') => {
                        let (c, after) = lex_unicode_escape(chars, i).ok_or_else(invalid)?;
                        out.push(c);
                        i = after;
                        continue;
                    }
                    Some(_) => return Err(invalid()),
                };
                out.push(simple);
                i += 2;
            }
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Decodes `\uXXXX` (or a `\uD8XX\uDCXX` surrogate pair) whose backslash is at `i`.
/// Returns the character and the index just past the escape.
fn lex_unicode_escape(chars: &[char], i: usize) -> Option<(char, usize)> {
    let first = hex4(chars, i + 2)?;
    match first {
        0xD800..=0xDBFF => {
            if chars.get(i + 6) != Some(&'\\') || chars.get(i + 7) != Some(&'u') {
                return None;
            }
            let second = hex4(chars, i + 8)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return None;
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            Some((char::from_u32(code)?, i + 12))
        }
        _ => Some((char::from_u32(first)?, i + 6)),
    }
}

fn hex4(chars: &[char], at: usize) -> Option<u32> {
    let digits = chars.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

/// Parses text in strict JSON number syntax (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
/// Integers become exact `i64`/`u64` numbers when they fit; non-finite values are rejected.
fn parse_number(text: &str) -> Option<Number> {
    let bytes = text.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let skip_digits = |mut i: usize| {
        while digit_at(i) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    if bytes.first() == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = skip_digits(i),
        _ => return None,
    }
    let mut integral = true;
    if bytes.get(i) == Some(&b'.') {
        integral = false;
        if !digit_at(i + 1) {
            return None;
        }
        i = skip_digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        integral = false;
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digit_at(i) {
            return None;
        }
        i = skip_digits(i);
    }
    if i != bytes.len() {
        return None;
    }
    if integral {
        if let Ok(n) = text.parse::<i64>() {
            return Some(Number::from(n));
        }
        if let Ok(n) = text.parse::<u64>() {
            return Some(Number::from(n));
        }
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Present(Path),
    Compare {
        path: Path,
        op: CompareOp,
        value: Literal,
    },
}

/// A dotted attribute path, split into its (non-empty) segments.
#[derive(Debug, Clone, PartialEq)]
struct Path(Vec<String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Sw,
    Co,
    Ew,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    String(String),
    Number(Number),
    Bool(bool),
    Null,
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Character length of the input: the position reported for "end of input".
    end: usize,
    /// Current nesting of parentheses and `not`.
    depth: usize,
    /// Currently open parentheses, to tell a stray `)` from a misplaced one.
    open_parens: usize,
}

fn unexpected(token: &Token) -> FilterError {
    FilterError::at(token.pos, format!("Unexpected '{}'", token.text))
}

fn is_keyword(token: &Token, keyword: &str) -> bool {
    matches!(&token.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(keyword))
}

fn is_logical_keyword(word: &str) -> bool {
    ["and", "or", "not"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// Collapses a one-element list into its element, otherwise wraps it with `make`.
fn combine(mut items: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    make(items)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    /// Position of the next token, or the end of the input.
    fn here(&self) -> usize {
        self.peek().map_or(self.end, |t| t.pos)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        if token.is_some() {
            self.next += 1;
        }
        token
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|t| is_keyword(t, keyword));
        if found {
            self.next += 1;
        }
        found
    }

    fn enter(&mut self, pos: usize) -> Result<(), FilterError> {
        if self.depth >= MAX_DEPTH {
            return Err(FilterError::at(
                pos,
                format!("Filter nesting exceeds the maximum depth of {MAX_DEPTH}"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn parse_or(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.parse_and()?];
        while self.eat_keyword("or") {
            items.push(self.parse_and()?);
        }
        Ok(combine(items, Expr::Or))
    }

    fn parse_and(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.parse_unary()?];
        while self.eat_keyword("and") {
            items.push(self.parse_unary()?);
        }
        Ok(combine(items, Expr::And))
    }

    fn parse_unary(&mut self) -> Result<Expr, FilterError> {
        let not_pos = self.here();
        if self.eat_keyword("not") {
            self.enter(not_pos)?;
            let inner = self.parse_unary()?;
            self.leave();
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Expr, FilterError> {
        const EXPECTED_PATH: &str = "Expected an attribute path";
        let Some(token) = self.peek() else {
            return Err(FilterError::at(self.end, EXPECTED_PATH));
        };
        match &token.kind {
            TokenKind::LParen => {
                let open_pos = token.pos;
                self.next += 1;
                self.enter(open_pos)?;
                self.open_parens += 1;
                let inner = self.parse_or()?;
                match self.advance() {
                    Some(Token {
                        kind: TokenKind::RParen,
                        ..
                    }) => {}
                    Some(other) => return Err(unexpected(&other)),
                    None => return Err(FilterError::at(open_pos, "Unbalanced parenthesis")),
                }
                self.open_parens = self.open_parens.saturating_sub(1);
                self.leave();
                Ok(inner)
            }
            TokenKind::RParen if self.open_parens == 0 => {
                Err(FilterError::at(token.pos, "Unbalanced parenthesis"))
            }
            TokenKind::Word(word) if !is_logical_keyword(word) => self.parse_comparison(),
            _ => Err(FilterError::at(token.pos, EXPECTED_PATH)),
        }
    }

    /// Parses `path op literal` or `path pr`; the next token is known to be a word.
    fn parse_comparison(&mut self) -> Result<Expr, FilterError> {
        let Some(path_token) = self.advance() else {
            return Err(FilterError::at(self.end, "Expected an attribute path"));
        };
        let path = parse_path(&path_token)?;

        let op_pos = self.here();
        let op_text = match self.advance() {
            Some(Token {
                kind: TokenKind::Word(w),
                ..
            }) => w,
            _ => {
                return Err(FilterError::new(
                    op_pos,
                    format!(
                        "Expected an attribute operator at position {op_pos}. \
                         Expected: {OPERATOR_LIST}"
                    ),
                ))
            }
        };
        let op = match op_text.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Expr::Present(path)),
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            "sw" => CompareOp::Sw,
            "co" => CompareOp::Co,
            "ew" => CompareOp::Ew,
            _ => {
                return Err(FilterError::new(
                    op_pos,
                    format!(
                        "Unrecognized attribute operator '{op_text}' at position {op_pos}. \
                         Expected: {OPERATOR_LIST}"
                    ),
                ))
            }
        };

        let value_pos = self.here();
        let missing_value =
            || FilterError::at(value_pos, format!("Expected a value after '{op_text}'"));
        let value = match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Str(s)) => Literal::String(s.clone()),
            Some(TokenKind::Num(n)) => Literal::Number(n.clone()),
            Some(TokenKind::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(TokenKind::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(TokenKind::Word(w)) if w.eq_ignore_ascii_case("null") => Literal::Null,
            _ => return Err(missing_value()),
        };
        self.next += 1;

        let type_ok = match op {
            CompareOp::Eq | CompareOp::Ne => true,
            CompareOp::Sw | CompareOp::Co | CompareOp::Ew => matches!(value, Literal::String(_)),
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                matches!(value, Literal::String(_) | Literal::Number(_))
            }
        };
        if !type_ok {
            let wanted = match op {
                CompareOp::Sw | CompareOp::Co | CompareOp::Ew => "a string",
                _ => "a string or number",
            };
            return Err(FilterError::at(
                value_pos,
                format!("Operator '{op_text}' requires {wanted} value"),
            ));
        }
        Ok(Expr::Compare { path, op, value })
    }
}

fn parse_path(token: &Token) -> Result<Path, FilterError> {
    let TokenKind::Word(word) = &token.kind else {
        return Err(FilterError::at(token.pos, "Expected an attribute path"));
    };
    let segments: Vec<String> = word.split('.').map(str::to_owned).collect();
    if segments.iter().any(String::is_empty) {
        return Err(FilterError::at(
            token.pos,
            format!("Invalid attribute path '{word}'"),
        ));
    }
    Ok(Path(segments))
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

impl Path {
    fn is_event_type(&self) -> bool {
        matches!(self.0.as_slice(), [only] if only == "eventType")
    }

    /// All values the path reaches, descending into every element of any array met
    /// on the way (including an array at the end of the path). Iterative, so deeply
    /// nested arrays cannot overflow the stack.
    fn resolve<'v>(&self, event: &'v Value) -> Vec<&'v Value> {
        let mut found = Vec::new();
        let mut pending = vec![(event, 0usize)];
        while let Some((value, depth)) = pending.pop() {
            match value {
                Value::Array(items) => pending.extend(items.iter().rev().map(|v| (v, depth))),
                _ => match self.0.get(depth) {
                    None => found.push(value),
                    Some(segment) => {
                        if let Some(child) = value.as_object().and_then(|m| m.get(segment)) {
                            pending.push((child, depth + 1));
                        }
                    }
                },
            }
        }
        found
    }
}

impl Expr {
    fn eval(&self, event: &Value) -> bool {
        match self {
            Expr::And(items) => items.iter().all(|e| e.eval(event)),
            Expr::Or(items) => items.iter().any(|e| e.eval(event)),
            Expr::Not(inner) => !inner.eval(event),
            Expr::Present(path) => path.resolve(event).iter().any(|v| !v.is_null()),
            Expr::Compare { path, op, value } => {
                let any = path.resolve(event).iter().any(|v| compare(v, *op, value));
                // `ne` means "no value equals", not "some value differs".
                if *op == CompareOp::Ne {
                    !any
                } else {
                    any
                }
            }
        }
    }

    fn event_types(&self) -> Option<Vec<String>> {
        match self {
            Expr::Compare {
                path,
                op: CompareOp::Eq,
                value: Literal::String(s),
                // Event types are stored in lower case; `eq` matches any case.
            } if path.is_event_type() => Some(vec![s.to_lowercase()]),
            Expr::And(items) => items
                .iter()
                .filter_map(Expr::event_types)
                .min_by_key(Vec::len),
            Expr::Or(items) => {
                let mut all: Vec<String> = Vec::new();
                for item in items {
                    for t in item.event_types()? {
                        if !all.contains(&t) {
                            all.push(t);
                        }
                    }
                }
                Some(all)
            }
            _ => None,
        }
    }
}

/// Tests one resolved value against the literal. `ne` is tested as `eq` here;
/// [`Expr::eval`] negates the result over all resolved values.
fn compare(value: &Value, op: CompareOp, literal: &Literal) -> bool {
    let affix = |test: fn(&str, &str) -> bool| match (value, literal) {
        (Value::String(v), Literal::String(l)) => test(&v.to_lowercase(), &l.to_lowercase()),
        _ => false,
    };
    let order = || ordering(value, literal);
    match op {
        CompareOp::Eq | CompareOp::Ne => equals(value, literal),
        CompareOp::Sw => affix(|v, l| v.starts_with(l)),
        CompareOp::Co => affix(|v, l| v.contains(l)),
        CompareOp::Ew => affix(|v, l| v.ends_with(l)),
        CompareOp::Gt => order() == Some(Ordering::Greater),
        CompareOp::Ge => matches!(order(), Some(Ordering::Greater | Ordering::Equal)),
        CompareOp::Lt => order() == Some(Ordering::Less),
        CompareOp::Le => matches!(order(), Some(Ordering::Less | Ordering::Equal)),
    }
}

fn equals(value: &Value, literal: &Literal) -> bool {
    match (value, literal) {
        (Value::String(v), Literal::String(l)) => {
            v == l
                || (v.len() == l.len() && v.eq_ignore_ascii_case(l))
                || v.to_lowercase() == l.to_lowercase()
        }
        (Value::Bool(v), Literal::Bool(l)) => v == l,
        (Value::Null, Literal::Null) => true,
        _ => ordering(value, literal) == Some(Ordering::Equal),
    }
}

/// Ordering of an attribute value relative to a literal, when the two are comparable:
/// string vs string, number vs number, numeric string vs number.
fn ordering(value: &Value, literal: &Literal) -> Option<Ordering> {
    match (value, literal) {
        (Value::String(v), Literal::String(l)) => Some(v.as_str().cmp(l.as_str())),
        (Value::Number(v), Literal::Number(l)) => compare_numbers(v, l),
        (Value::String(v), Literal::Number(l)) => compare_numbers(&parse_number(v)?, l),
        _ => None,
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    let exact = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(s: &str) -> Filter {
        Filter::parse(s).unwrap_or_else(|e| panic!("{s:?} failed to parse: {e}"))
    }

    fn m(filter: &str, event: &Value) -> bool {
        f(filter).matches(event)
    }

    fn err(s: &str) -> FilterError {
        match Filter::parse(s) {
            Ok(parsed) => panic!("{s:?} unexpectedly parsed: {parsed:?}"),
            Err(e) => e,
        }
    }

    fn types(s: &str) -> Option<Vec<String>> {
        f(s).event_types()
    }

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    fn import_event(trigger: &str) -> Value {
        json!({
            "uuid": "e1",
            "published": "2024-05-01T10:15:30.000Z",
            "eventType": "system.import.start",
            "severity": "INFO",
            "actor": { "id": "00u1", "type": "User", "alternateId": "Admin@Example.com", "displayName": "Ada Admin" },
            "outcome": { "result": "SUCCESS", "reason": null },
            "debugContext": { "debugData": { "importTrigger": trigger, "requestId": "r1" } },
            "target": [
                { "id": "00u1", "type": "User", "alternateId": "ada@example.com" },
                { "id": "0oa9", "type": "AppInstance", "alternateId": "Salesforce" }
            ]
        })
    }

    fn login_event() -> Value {
        json!({
            "uuid": "e2",
            "published": "2024-05-02T08:00:00Z",
            "eventType": "user.session.start",
            "actor": { "id": "00u2", "alternateId": "bob@example.com" },
            "outcome": { "result": "FAILURE", "reason": "INVALID_CREDENTIALS" },
            "securityContext": { "isProxy": false, "asNumber": 7922 },
            "debugContext": { "debugData": { "risk": "12", "attempts": 3, "score": 0.75 } },
            "client": { "geographicalContext": { "geolocation": { "lat": 37.77, "lon": -122.41 } } },
            "target": []
        })
    }

    const SEED: &str = r#"eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Manual action""#;

    // ---- the seeds' query ------------------------------------------------

    #[test]
    fn seed_query_matches_manual_import() {
        assert!(f(SEED).matches(&import_event("Manual action")));
    }

    #[test]
    fn seed_query_rejects_other_trigger_and_other_events() {
        let filter = f(SEED);
        assert!(!filter.matches(&import_event("Scheduled")));
        assert!(!filter.matches(&import_event("Manual")));
        assert!(!filter.matches(&login_event()));
        assert!(!filter.matches(&json!({})));
        assert!(!filter.matches(&json!(null)));
        assert!(!filter.matches(&json!({ "eventType": "system.import.start" })));
        assert_eq!(filter.event_types(), strings(&["system.import.start"]));
    }

    // ---- operators -------------------------------------------------------

    #[test]
    fn eq_strings_match_whole_in_any_case() {
        let e = login_event();
        assert!(m(r#"outcome.result eq "FAILURE""#, &e));
        assert!(m(r#"outcome.result eq "failure""#, &e));
        assert!(!m(r#"outcome.result eq "FAIL""#, &e));
        assert!(!m(r#"outcome.result ne "Failure""#, &e));
        assert_eq!(
            f(r#"eventType eq "System.Import.Start""#).event_types(),
            strings(&["system.import.start"])
        );
    }

    #[test]
    fn ne_operator() {
        let e = login_event();
        assert!(m(r#"outcome.result ne "SUCCESS""#, &e));
        assert!(!m(r#"outcome.result ne "FAILURE""#, &e));
        // missing attribute: ne is true
        assert!(m(r#"no.such.path ne "x""#, &e));
        assert!(m(r#"outcome.missing ne null"#, &e));
        // type mismatch is "not equal"
        assert!(m(r#"securityContext.asNumber ne "7922""#, &e));
        // present non-null value is not null
        assert!(m(r#"outcome.result ne null"#, &e));
        assert!(!m(r#"outcome.reason ne null"#, &import_event("x")));
    }

    #[test]
    fn sw_co_ew_are_case_insensitive() {
        let e = import_event("Manual action");
        assert!(m(r#"actor.alternateId sw "admin@""#, &e));
        assert!(m(r#"actor.alternateId co "EXAMPLE""#, &e));
        assert!(m(r#"actor.alternateId ew ".COM""#, &e));
        assert!(!m(r#"actor.alternateId sw "example""#, &e));
        assert!(!m(r#"actor.alternateId ew "admin""#, &e));
        assert!(!m(r#"actor.alternateId co "nobody""#, &e));
        assert!(m(r#"eventType sw "system.""#, &e));
        assert!(m(r#"eventType co "" "#, &e));
        // non-string attribute values never match
        assert!(!m(
            r#"debugContext.debugData.attempts sw "3""#,
            &login_event()
        ));
        assert!(!m(r#"missing co "x""#, &e));
    }

    #[test]
    fn sw_co_ew_require_string_literal() {
        let e = err("eventType sw 5");
        assert_eq!(e.position, 13);
        assert_eq!(
            e.message,
            "Operator 'sw' requires a string value at position 13"
        );
        assert_eq!(err("a co true").position, 5);
        assert_eq!(err("a ew null").position, 5);
    }

    #[test]
    fn ordering_operators_require_string_or_number() {
        let e = err("a gt true");
        assert_eq!(
            e.message,
            "Operator 'gt' requires a string or number value at position 5"
        );
        assert_eq!(err("a le null").position, 5);
    }

    #[test]
    fn pr_operator() {
        let e = import_event("Manual action");
        assert!(m("actor.alternateId pr", &e));
        assert!(m("debugContext pr", &e));
        assert!(m("target pr", &e));
        assert!(m("target.type pr", &e));
        assert!(!m("outcome.reason pr", &e)); // null
        assert!(!m("actor.missing pr", &e));
        assert!(!m("target pr", &login_event())); // empty array
        assert!(m(r#"x pr"#, &json!({ "x": "" })));
        assert!(m(r#"x pr"#, &json!({ "x": false })));
        assert!(m(r#"x pr"#, &json!({ "x": [null, 1] })));
        assert!(!m(r#"x pr"#, &json!({ "x": [null] })));
    }

    #[test]
    fn numeric_comparisons() {
        let e = login_event();
        assert!(m("debugContext.debugData.attempts eq 3", &e));
        assert!(m("debugContext.debugData.attempts eq 3.0", &e));
        assert!(m("debugContext.debugData.attempts eq 3e0", &e));
        assert!(!m("debugContext.debugData.attempts eq 4", &e));
        assert!(m("debugContext.debugData.attempts gt 2", &e));
        assert!(!m("debugContext.debugData.attempts gt 3", &e));
        assert!(m("debugContext.debugData.attempts ge 3", &e));
        assert!(m("debugContext.debugData.attempts lt 10", &e));
        assert!(m("debugContext.debugData.attempts le 3", &e));
        assert!(!m("debugContext.debugData.attempts lt 3", &e));
        assert!(m("debugContext.debugData.score lt 1", &e));
        assert!(m("debugContext.debugData.score gt 0.5", &e));
        assert!(m("debugContext.debugData.score eq 7.5e-1", &e));
        assert!(m("client.geographicalContext.geolocation.lon lt -100", &e));
        assert!(m(
            "client.geographicalContext.geolocation.lon ge -122.41",
            &e
        ));
        assert!(m("securityContext.asNumber eq 7922", &e));
        // string literal vs number attribute: type mismatch
        assert!(!m(r#"debugContext.debugData.attempts eq "3""#, &e));
        assert!(!m(r#"debugContext.debugData.attempts gt "1""#, &e));
    }

    #[test]
    fn numeric_strings_compare_numerically_with_number_literals() {
        let e = login_event(); // risk is the string "12"
        assert!(m("debugContext.debugData.risk eq 12", &e));
        assert!(m("debugContext.debugData.risk eq 12.0", &e));
        assert!(m("debugContext.debugData.risk gt 9", &e)); // lexicographically "12" < "9"
        assert!(m("debugContext.debugData.risk lt 100", &e));
        assert!(m(r#"debugContext.debugData.risk eq "12""#, &e));
        assert!(!m(r#"debugContext.debugData.risk gt "9""#, &e)); // string vs string
        assert!(!m("outcome.result eq 0", &e)); // non-numeric string
        assert!(!m("x eq 12", &json!({ "x": " 12" })));
    }

    #[test]
    fn large_integers_compare_exactly() {
        let e = json!({ "big": 9007199254740993u64, "huge": u64::MAX, "neg": -5 });
        assert!(m("big eq 9007199254740993", &e));
        assert!(!m("big eq 9007199254740992", &e));
        assert!(m("huge eq 18446744073709551615", &e));
        assert!(m("huge gt -1", &e));
        assert!(m("neg lt 18446744073709551615", &e));
        assert!(m("neg eq -5", &e));
    }

    #[test]
    fn timestamp_comparisons() {
        let e = import_event("x"); // 2024-05-01T10:15:30.000Z
        assert!(m(r#"published gt "2024-05-01T00:00:00.000Z""#, &e));
        assert!(m(r#"published ge "2024-05-01T10:15:30.000Z""#, &e));
        assert!(m(r#"published le "2024-05-01T10:15:30.000Z""#, &e));
        assert!(!m(r#"published gt "2024-05-01T10:15:30.000Z""#, &e));
        assert!(m(r#"published lt "2024-06-01T00:00:00.000Z""#, &e));
        assert!(!m(r#"published lt "2024-04-30T23:59:59.999Z""#, &e));
        let window =
            r#"published ge "2024-05-01T00:00:00Z" and published lt "2024-05-02T00:00:00Z""#;
        assert!(m(window, &e));
        assert!(!m(window, &login_event()));
    }

    #[test]
    fn booleans_and_null() {
        let e = login_event();
        assert!(m("securityContext.isProxy eq false", &e));
        assert!(!m("securityContext.isProxy eq true", &e));
        assert!(m("securityContext.isProxy ne true", &e));
        assert!(!m(r#"securityContext.isProxy eq "false""#, &e));
        assert!(m("outcome.reason eq null", &import_event("x")));
        assert!(!m("outcome.reason eq null", &e));
        assert!(!m("nothing.here eq null", &e));
        assert!(m("securityContext.isProxy eq FALSE", &e));
    }

    #[test]
    fn type_mismatches_are_false() {
        let e = json!({ "s": "abc", "n": 1, "b": true, "z": null, "o": { "k": 1 } });
        for filter in [
            "s eq 1",
            "s gt 1",
            "n eq \"1\"",
            "n sw \"1\"",
            "b eq 1",
            "b gt \"a\"",
            "z eq 0",
            "z lt \"a\"",
            "o eq \"x\"",
            "o gt 0",
            "o.k.deeper eq 1",
            "s.k eq 1",
        ] {
            assert!(!m(filter, &e), "{filter}");
        }
    }

    // ---- logic -----------------------------------------------------------

    #[test]
    fn and_or_precedence() {
        let e = json!({ "a": "1", "b": "2", "c": "3" });
        // and binds tighter than or: a or (b and c)
        assert!(m(r#"a eq "1" or b eq "x" and c eq "x""#, &e));
        // (a or b) and c
        assert!(!m(r#"(a eq "1" or b eq "x") and c eq "x""#, &e));
        assert!(m(r#"a eq "x" and b eq "x" or c eq "3""#, &e));
        assert!(!m(r#"a eq "x" and (b eq "x" or c eq "3")"#, &e));
        assert_eq!(
            f(r#"a pr or b pr and c pr"#),
            f(r#"a pr or (b pr and c pr)"#)
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        let e = json!({ "a": "1", "b": "2" });
        // (not a eq "x") and b eq "2"
        assert!(m(r#"not a eq "x" and b eq "2""#, &e));
        assert!(!m(r#"not a eq "1" and b eq "2""#, &e));
        assert!(m(r#"not (a eq "1" and b eq "x")"#, &e));
        assert!(!m(r#"not (a eq "1" or b eq "x")"#, &e));
        assert!(m(r#"not not a eq "1""#, &e));
        assert!(m(r#"not missing pr"#, &e));
        assert_eq!(
            f(r#"not a eq "x" and b pr"#),
            f(r#"(not (a eq "x")) and b pr"#)
        );
        assert_eq!(f(r#"not a pr or b pr"#), f(r#"(not a pr) or b pr"#));
    }

    #[test]
    fn parentheses_group() {
        let e = import_event("Manual action");
        assert!(m(
            r#"(eventType eq "user.session.start" or eventType eq "system.import.start") and (outcome.result eq "SUCCESS")"#,
            &e
        ));
        assert!(m(r#"((((eventType pr))))"#, &e));
        assert!(!m(r#"((eventType eq "a") or (eventType eq "b"))"#, &e));
        assert_eq!(f("(a pr)"), f("a pr"));
    }

    #[test]
    fn arrays_match_any_element() {
        let e = import_event("x");
        assert!(m(r#"target.id eq "00u1""#, &e));
        assert!(m(r#"target.id eq "0oa9""#, &e));
        assert!(!m(r#"target.id eq "00u2""#, &e));
        assert!(m(
            r#"target.type eq "AppInstance" and target.alternateId sw "sales""#,
            &e
        ));
        assert!(m(r#"target.id ne "00u2""#, &e));
        // ne is "no element equals"
        assert!(!m(r#"target.id ne "00u1""#, &e));
        assert!(!m(r#"target.id eq "00u1""#, &login_event()));
        // arrays of scalars and nested arrays
        let tags = json!({ "tags": ["red", "green"], "grid": [[{ "v": 1 }], [{ "v": 2 }]] });
        assert!(m(r#"tags eq "green""#, &tags));
        assert!(m(r#"tags sw "GR""#, &tags));
        assert!(m("grid.v eq 2", &tags));
        assert!(!m("grid.v gt 2", &tags));
    }

    #[test]
    fn deeply_nested_event_arrays_do_not_overflow() {
        let mut v = json!({ "x": 1 });
        for _ in 0..10_000 {
            v = Value::Array(vec![v]);
        }
        let mut root = serde_json::Map::new();
        root.insert("a".to_owned(), v);
        let event = Value::Object(root);
        assert!(m("a.x eq 1", &event));
        // dropping deeply nested serde_json values is serde_json's business; leak it
        std::mem::forget(event);
    }

    #[test]
    fn operators_and_keywords_are_case_insensitive() {
        let e = import_event("Manual action");
        assert!(m(
            r#"eventType EQ "system.import.start" AND target.id Eq "00u1""#,
            &e
        ));
        assert!(m(r#"eventType eq "nope" OR actor.id PR"#, &e));
        assert!(m(r#"NOT eventType Ne "system.import.start""#, &e));
        assert!(m(
            r#"actor.alternateId SW "ADMIN" aNd actor.alternateId CO "example" And actor.alternateId EW "COM""#,
            &e
        ));
        assert!(m(
            r#"published GT "2000" and published Lt "3000" and published GE "2024" and published LE "2025""#,
            &e
        ));
        assert_eq!(f(r#"a EQ "x" OR NOT b Pr"#), f(r#"a eq "x" or not b pr"#));
    }

    #[test]
    fn paths_are_case_sensitive() {
        let e = import_event("Manual action");
        assert!(!m(r#"eventtype eq "system.import.start""#, &e));
        assert!(!m(r#"EventType pr"#, &e));
        assert!(!m(r#"debugcontext.debugData.importTrigger pr"#, &e));
        assert!(m(r#"debugContext.debugData.importTrigger pr"#, &e));
        assert!(m("_x.$y pr", &json!({ "_x": { "$y": 1 } })));
        assert!(m("a.0 eq 1", &json!({ "a": { "0": 1 } })));
    }

    #[test]
    fn string_escapes_are_decoded() {
        let e = json!({ "s": "a\"b\\c/d\u{8}\u{c}\n\r\t é 😀" });
        assert!(m(r#"s eq "a\"b\\c\/d\b\f\n\r\t \u00e9 \ud83d\ude00""#, &e));
        assert!(m(r#"s co "\u00C9 😀""#, &e));
        assert!(m("s ew \"é 😀\"", &e));
    }

    #[test]
    fn whitespace_is_flexible() {
        let e = import_event("Manual action");
        assert!(m("\t eventType\neq\r\n\"system.import.start\"  ", &e));
        assert!(m("(eventType pr)and(actor.id pr)", &e));
        assert!(m(r#"eventType eq"system.import.start""#, &e));
    }

    // ---- event_types -----------------------------------------------------

    #[test]
    fn event_types_cases() {
        assert_eq!(types(r#"eventType eq "a""#), strings(&["a"]));
        assert_eq!(types(r#"eventType eq "a" and x pr"#), strings(&["a"]));
        assert_eq!(types(r#"x pr and eventType eq "a""#), strings(&["a"]));
        assert_eq!(
            types(r#"eventType eq "a" or eventType eq "b""#),
            strings(&["a", "b"])
        );
        assert_eq!(
            types(r#"eventType eq "a" or eventType eq "a""#),
            strings(&["a"])
        );
        assert_eq!(
            types(r#"(eventType eq "a" or eventType eq "b") and (eventType eq "c" or x pr)"#),
            strings(&["a", "b"])
        );
        assert_eq!(
            types(r#"(eventType eq "a" or eventType eq "b") and eventType eq "b""#),
            strings(&["b"])
        );
        assert_eq!(
            types(r#"(eventType eq "a" and x pr) or (eventType EQ "b" and y eq 1)"#),
            strings(&["a", "b"])
        );
        assert_eq!(types(r#"((eventType eq "a"))"#), strings(&["a"]));
    }

    #[test]
    fn event_types_none_cases() {
        for filter in [
            r#"eventType eq "a" or x pr"#,
            r#"not eventType eq "a""#,
            r#"not (eventType eq "a" or eventType eq "b")"#,
            r#"eventType ne "a""#,
            r#"eventType sw "a""#,
            r#"eventType co "a""#,
            r#"eventType eq 5"#,
            r#"eventType eq null"#,
            r#"eventType pr"#,
            r#"eventtype eq "a""#,
            r#"actor.eventType eq "a""#,
            r#"x eq "a""#,
            r#"x pr and y pr"#,
        ] {
            assert_eq!(types(filter), None, "{filter}");
        }
    }

    #[test]
    fn event_types_never_excludes_a_match() {
        let events = [
            import_event("Manual action"),
            login_event(),
            json!({ "eventType": "a", "x": 1 }),
            json!({ "eventType": "b", "y": 1 }),
            json!({ "eventType": ["a", "b"] }),
            json!({ "x": 1 }),
        ];
        let filters = [
            SEED,
            r#"eventType eq "a" and x pr"#,
            r#"eventType eq "a" and eventType eq "b""#,
            r#"eventType eq "a" or eventType eq "b""#,
            r#"(eventType eq "a" and x pr) or (eventType eq "b" and y pr)"#,
            r#"eventType eq "user.session.start" and outcome.result eq "FAILURE""#,
        ];
        for filter in filters {
            let parsed = f(filter);
            let allowed = parsed.event_types().expect(filter);
            for event in &events {
                if parsed.matches(event) {
                    let ok = match &event["eventType"] {
                        Value::String(t) => allowed.contains(t),
                        Value::Array(ts) => ts
                            .iter()
                            .any(|t| t.as_str().is_some_and(|t| allowed.iter().any(|a| a == t))),
                        _ => false,
                    };
                    assert!(ok, "{filter} restricts to {allowed:?} but matches {event}");
                }
            }
        }
    }

    // ---- errors ----------------------------------------------------------

    fn assert_error(input: &str, position: usize, message: &str) {
        let e = err(input);
        assert_eq!(
            (e.position, e.message.as_str()),
            (position, message),
            "input {input:?}"
        );
        assert_eq!(e.to_string(), message);
    }

    #[test]
    fn unknown_operator() {
        assert_error(
            r#"eventType eqq "x""#,
            10,
            "Unrecognized attribute operator 'eqq' at position 10. Expected: eq,ne,co,sw,ew,pr,gt,ge,lt,le",
        );
        assert_error(r#"a pr and é eq "x""#, 9, "Unexpected 'é' at position 9");
        assert_error(
            r#"a pr and b and "x""#,
            11,
            "Unrecognized attribute operator 'and' at position 11. Expected: eq,ne,co,sw,ew,pr,gt,ge,lt,le",
        );
    }

    #[test]
    fn missing_operator() {
        assert_error(
            "eventType",
            9,
            "Expected an attribute operator at position 9. Expected: eq,ne,co,sw,ew,pr,gt,ge,lt,le",
        );
        assert_error(
            r#"eventType "x""#,
            10,
            "Expected an attribute operator at position 10. Expected: eq,ne,co,sw,ew,pr,gt,ge,lt,le",
        );
    }

    #[test]
    fn empty_filter() {
        assert_error("", 0, "Empty filter");
        assert_error("   \t\n ", 0, "Empty filter");
    }

    #[test]
    fn string_literal_errors() {
        assert_error(
            r#"eventType eq "abc"#,
            13,
            "Unterminated string literal at position 13",
        );
        assert_error(
            r#"a eq "abc\"#,
            5,
            "Unterminated string literal at position 5",
        );
        assert_error(r#"é eq "x"#, 0, "Unexpected 'é' at position 0");
        assert_error(
            r#"ab eq "ü\x""#,
            8,
            "Invalid escape in string literal at position 8",
        );
        assert_error(
            r#"a eq "\u12G4""#,
            6,
            "Invalid escape in string literal at position 6",
        );
        assert_error(
            r#"a eq "\u12""#,
            6,
            "Invalid escape in string literal at position 6",
        );
        assert_error(
            r#"a eq "\ud83d""#,
            6,
            "Invalid escape in string literal at position 6",
        );
        assert_error(
            r#"a eq "\ude00""#,
            6,
            "Invalid escape in string literal at position 6",
        );
        assert_error(
            r#"a eq "\ud83d\u0041""#,
            6,
            "Invalid escape in string literal at position 6",
        );
    }

    #[test]
    fn missing_value() {
        assert_error(
            "eventType eq",
            12,
            "Expected a value after 'eq' at position 12",
        );
        assert_error(
            "eventType EQ   ",
            15,
            "Expected a value after 'EQ' at position 15",
        );
        assert_error(
            "eventType eq foo",
            13,
            "Expected a value after 'eq' at position 13",
        );
        assert_error(
            "(eventType gt )",
            14,
            "Expected a value after 'gt' at position 14",
        );
        assert_error(
            "a eq and b pr",
            5,
            "Expected a value after 'eq' at position 5",
        );
    }

    #[test]
    fn parenthesis_errors() {
        assert_error("(a pr", 0, "Unbalanced parenthesis at position 0");
        assert_error(
            "a pr and ((b pr)",
            9,
            "Unbalanced parenthesis at position 9",
        );
        assert_error("a pr)", 4, "Unbalanced parenthesis at position 4");
        assert_error("(a pr))", 6, "Unbalanced parenthesis at position 6");
        assert_error(") a pr", 0, "Unbalanced parenthesis at position 0");
        assert_error("()", 1, "Expected an attribute path at position 1");
        assert_error("(a pr b pr)", 6, "Unexpected 'b' at position 6");
    }

    #[test]
    fn unexpected_tokens() {
        assert_error("a pr b pr", 5, "Unexpected 'b' at position 5");
        assert_error(r#"a pr "x""#, 5, r#"Unexpected '"x"' at position 5"#);
        assert_error("a pr (b pr)", 5, "Unexpected '(' at position 5");
        assert_error("a eq 1 2", 7, "Unexpected '2' at position 7");
        assert_error("a eq 1 # b", 7, "Unexpected '#' at position 7");
        assert_error("a eq 'x'", 5, "Unexpected ''' at position 5");
        assert_error("a pr && b pr", 5, "Unexpected '&' at position 5");
    }

    #[test]
    fn missing_attribute_path() {
        assert_error("and a pr", 0, "Expected an attribute path at position 0");
        assert_error("a pr and", 8, "Expected an attribute path at position 8");
        assert_error(
            "a pr or or b pr",
            8,
            "Expected an attribute path at position 8",
        );
        assert_error("not", 3, "Expected an attribute path at position 3");
        assert_error(
            r#""a" eq "b""#,
            0,
            "Expected an attribute path at position 0",
        );
        assert_error("5 eq 5", 0, "Expected an attribute path at position 0");
        assert_error(
            "a pr and not not",
            16,
            "Expected an attribute path at position 16",
        );
    }

    #[test]
    fn invalid_paths_and_numbers() {
        assert_error("a..b pr", 0, "Invalid attribute path 'a..b' at position 0");
        assert_error(
            "x pr and a. eq 1",
            9,
            "Invalid attribute path 'a.' at position 9",
        );
        assert_error(
            "a eq 1.2.3",
            5,
            "Invalid number literal '1.2.3' at position 5",
        );
        assert_error("a eq -", 5, "Invalid number literal '-' at position 5");
        assert_error("a eq 01", 5, "Invalid number literal '01' at position 5");
        assert_error("a eq 1e", 5, "Invalid number literal '1e' at position 5");
        assert_error(
            "a eq 12abc",
            5,
            "Invalid number literal '12abc' at position 5",
        );
        assert_error(
            "a eq 1e999",
            5,
            "Invalid number literal '1e999' at position 5",
        );
        assert_error("a eq 1.", 5, "Invalid number literal '1.' at position 5");
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let e = err(r#"a eq "日本語" b"#);
        assert_eq!(e.position, 11);
        assert_eq!(e.message, "Unexpected 'b' at position 11");
        let e = err(r#"a eq "😀😀" and x eqq 1"#);
        assert_eq!(e.position, 16);
    }

    #[test]
    fn nesting_depth_is_limited() {
        let ok = format!("{}a pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(f(&ok).matches(&json!({ "a": 1 })));
        let too_deep = format!(
            "{}a pr{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert_error(
            &too_deep,
            64,
            "Filter nesting exceeds the maximum depth of 64 at position 64",
        );
        // no stack overflow on absurd input
        let e = err(&"(".repeat(100_000));
        assert_eq!(e.position, 64);
        let nots = "not ".repeat(100_000);
        let e = err(&format!("{nots}a pr"));
        assert_eq!(e.position, 256);
        let ok_nots = format!("{}a pr", "not ".repeat(MAX_DEPTH));
        assert!(f(&ok_nots).matches(&json!({ "a": 1 })));
    }

    #[test]
    fn long_flat_chains_are_fine() {
        let chain = vec!["a pr"; 50_000].join(" and ");
        let filter = f(&chain);
        assert!(filter.matches(&json!({ "a": 1 })));
        assert!(!filter.matches(&json!({})));
        let ors = vec![r#"eventType eq "t""#; 10_000].join(" or ");
        assert_eq!(types(&ors), strings(&["t"]));
    }

    #[test]
    fn never_panics_on_garbage() {
        let samples = [
            "",
            "(",
            ")",
            "\"",
            "\\",
            "-",
            "a",
            "a eq",
            "a eq \"",
            "a eq \"\\",
            "a eq \"\\u",
            "a eq \"\\ud800\\",
            "((a pr) or",
            "not (",
            "a pr and (b eq 1 or",
            "\u{0}",
            "a\u{0}eq 1",
            "a eq 1e+",
            "a eq --1",
            "a.b.c. pr",
            ".a pr",
            "$ pr",
            "a pr or (not)",
            "😀",
            "a eq \"😀",
        ];
        for s in samples {
            let _ = Filter::parse(s);
        }
        // every prefix of a valid filter either parses or errors with a position inside it
        let full = r#"(eventType eq "a\u00e9" or not x.y gt -1.5e3) and target.id sw "00u""#;
        let chars: Vec<char> = full.chars().collect();
        for n in 0..=chars.len() {
            let prefix: String = chars[..n].iter().collect();
            if let Err(e) = Filter::parse(&prefix) {
                assert!(e.position <= n, "{prefix:?}: {e:?}");
                assert!(!e.message.is_empty());
            }
        }
    }

    #[test]
    fn error_trait_is_implemented() {
        let e: Box<dyn std::error::Error> = Box::new(err("a eqq 1"));
        assert_eq!(
            e.to_string(),
            "Unrecognized attribute operator 'eqq' at position 2. Expected: eq,ne,co,sw,ew,pr,gt,ge,lt,le"
        );
    }

    #[test]
    fn filters_are_cloneable_and_comparable() {
        let a = f(SEED);
        let b = a.clone();
        assert_eq!(a, b);
        assert_ne!(a, f(r#"eventType eq "system.import.start""#));
    }
}
