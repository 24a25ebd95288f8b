//! The attribute-mapping expression language: a subset of the Okta Expression
//! Language.
//!
//! A mapping expression computes one user profile attribute from the attributes
//! of the imported app user (and of the existing Muster user), for example
//!
//! ```text
//! appuser.firstName + " " + appuser.lastName
//! String.toLowerCase(appuser.email)
//! String.substringBefore(appuser.email, "@")
//! appuser.department == "Engineering" ? "eng" : appuser.department ?: "unassigned"
//! ```
//!
//! # Grammar
//!
//! ```text
//! expression  := conditional EOF
//! conditional := or ( "?" conditional ":" conditional | "?:" conditional )?
//! or          := and ( ( "OR" | "||" ) and )*
//! and         := equality ( ( "AND" | "&&" ) equality )*
//! equality    := comparison ( ( "==" | "!=" ) comparison )*
//! comparison  := additive ( ( "<" | ">" | "<=" | ">=" ) additive )*
//! additive    := unary ( "+" unary )*
//! unary       := ( "!" | "NOT" ) unary | primary
//! primary     := string | number | "true" | "false" | "null"
//!              | reference | function "(" ( conditional ( "," conditional )* )? ")"
//!              | "(" conditional ")"
//! reference   := ( "appuser" | "source" | "user" ) "." name
//! function    := "String." name
//! name        := [A-Za-z0-9_]+
//! string      := '…' | "…"          (escapes: \' \" \\ \n \t)
//! number      := [0-9]+ ( "." [0-9]+ )?
//! ```
//!
//! * Binary operators are left-associative; `?:` and `? :` are right-associative
//!   (`a ? b : c ? d : e` is `a ? b : (c ? d : e)`).
//! * Attribute and function names are case-sensitive (`appuser.email`,
//!   `String.toLowerCase`); the keywords `AND`, `OR`, `NOT`, `true`, `false` and
//!   `null` are not.
//! * Nesting (parentheses, `!`/`NOT`, function arguments, the branches of `? :`)
//!   deeper than 64 levels is rejected, and chains of `+`, `AND`, `OR`, `?:` and
//!   comparisons are stored flat, so neither parsing nor evaluation can overflow
//!   the stack, however long the input.
//! * An expression is at most 4,096 characters. Evaluating one has a budget:
//!   no value longer than 64 KiB (checked before it is built, so a string
//!   that would grow past it is never allocated) and at most 1,000,000 steps
//!   (one per operation, one per byte a string operation produces).
//! * Function names and argument counts are checked when parsing; argument
//!   *types* are checked when evaluating.
//! * Error positions are 0-based *character* (not byte) offsets into the input.
//!
//! # Semantics
//!
//! * `appuser.x` (alias `source.x`) reads the imported app user's attribute `x`,
//!   `user.x` the Muster user's; a missing attribute is `null`.
//! * `+` concatenates when either side is a string, `null` counting as the empty
//!   string (so `appuser.firstName + " " + appuser.lastName` never fails), and
//!   numbers and booleans being written as [`Value::to_profile_string`] does.
//!   Two numbers are added. Otherwise a `null` operand gives `null`, and anything
//!   else (a boolean with a number, say) is an error.
//! * `==`/`!=`: `null` equals only `null`; strings compare exactly
//!   (case-sensitively), numbers numerically, booleans by value. A string holding
//!   a number equals that number (`appuser.age == 42`, attributes always being
//!   strings). Other type pairs are unequal. `!=` is the negation of `==`.
//! * `<`, `>`, `<=`, `>=`: numbers numerically (a numeric string against a number
//!   too), strings by code point (case-sensitively). Anything else, including any
//!   comparison with `null`, is false.
//! * Truthiness (for `? :`, `AND`, `OR`, `!`): `null`, `false`, `""` and `0` are
//!   false, everything else is true. `AND`, `OR` and `!` give booleans; `AND`
//!   and `OR` short-circuit.
//! * `a ?: b` is `a` unless `a` is `null` or the empty string, else `b`.
//!
//! # Functions
//!
//! | Call | Result |
//! |------|--------|
//! | `String.toLowerCase(s)`, `String.toUpperCase(s)` | `s` in lower / upper case |
//! | `String.substringBefore(s, sep)` | `s` before the first `sep`; all of `s` if there is none |
//! | `String.substringAfter(s, sep)` | `s` after the first `sep`; `""` if there is none |
//! | `String.substring(s, start, end)` | characters `start..end`, indices truncated and clamped to `0..=len` |
//! | `String.replace(s, match, replacement)` | every literal occurrence of `match` replaced |
//! | `String.join(sep, a, b, …)` | the non-null parts joined by `sep` |
//! | `String.len(s)` | number of characters (`0` for null) |
//! | `String.stringContains(s, part)`, `String.startsWith(s, prefix)` | a boolean |
//! | `String.removeSpaces(s)` | `s` without any whitespace |
//! | `String.stringSwitch(s, default, key₁, value₁, …)` | the value of the first key that occurs in `s`, else `default` |
//!
//! Arguments must be strings (the `String.substring` indices numbers; the
//! `String.join` parts may be anything). Every function returns `null` when any
//! argument is `null`, except `String.join` (which skips `null` parts and reads a
//! `null` separator as `""`) and `String.len`.

use std::cmp::Ordering;
use std::fmt;

/// Maximum nesting depth of parentheses, `!`/`NOT`, function calls and `? :`.
const MAX_DEPTH: usize = 64;
/// The longest expression, in characters.
pub const MAX_EXPRESSION_CHARS: usize = 4096;
/// The longest value an evaluation may produce, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most steps one evaluation may take: one per operation, one per byte
/// a string operation produces.
pub const MAX_STEPS: usize = 1_000_000;

/// What is left of one evaluation's budget.
struct Budget {
    steps: usize,
    /// The evaluation ran out of it.
    exceeded: bool,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            steps: MAX_STEPS,
            exceeded: false,
        }
    }

    fn spend(&mut self, steps: usize, position: usize) -> Result<(), ExprError> {
        match self.steps.checked_sub(steps) {
            Some(left) => {
                self.steps = left;
                Ok(())
            }
            None => Err(self.exceed(ExprError::at(
                position,
                format_args!(
                    "The expression takes more than {MAX_STEPS} steps, more than a mapping may"
                ),
            ))),
        }
    }

    fn exceed(&mut self, e: ExprError) -> ExprError {
        self.exceeded = true;
        e
    }

    /// Spends the steps of producing a string of `bytes`, refusing one
    /// longer than a value may be before it is built.
    fn produce(&mut self, bytes: usize, position: usize) -> Result<(), ExprError> {
        if bytes > MAX_VALUE_BYTES {
            return Err(self.exceed(ExprError::at(
                position,
                format_args!(
                    "The value would be {} KiB long, longer than the {} KiB a mapping's value may be,",
                    bytes.div_ceil(1024),
                    MAX_VALUE_BYTES / 1024
                ),
            )));
        }
        self.spend(bytes, position)
    }
}

/// A parsed mapping expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    root: Node,
}

/// Why an expression could not be parsed or evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// 0-based character offset of the offending token or function call (0 for
    /// an empty expression).
    pub position: usize,
    /// Human-readable message; already says "at position N" where relevant.
    pub message: String,
}

impl ExprError {
    /// `"{what} at position {position}"`.
    fn at(position: usize, what: impl fmt::Display) -> Self {
        ExprError {
            position,
            message: format!("{what} at position {position}"),
        }
    }

    /// `"{what} at position {position} — {hint}"`.
    fn with_hint(position: usize, what: impl fmt::Display, hint: &str) -> Self {
        ExprError {
            position,
            message: format!("{what} at position {position} — {hint}"),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExprError {}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
}

impl Value {
    /// The value as a profile attribute: `None` for `Null`, `"true"`/`"false"`
    /// for booleans, numbers without a trailing `.0` when integral (`3`, `1.5`).
    pub fn to_profile_string(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::String(s) => Some(s.clone()),
        }
    }

    /// `null`, `false`, `""` and `0` are false; everything else is true.
    fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0,
            Value::String(s) => !s.is_empty(),
        }
    }

    /// `null` or the empty string: what `?:` skips.
    fn is_blank(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            Value::Bool(_) | Value::Number(_) => false,
        }
    }

    /// The value's type, for error messages.
    fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
        }
    }
}

/// Formats a number the way a profile attribute shows it: `3`, not `3.0`.
fn format_number(n: f64) -> String {
    if n == 0.0 {
        // Also covers -0.0, which would otherwise print as "-0".
        "0".to_owned()
    } else {
        // `f64`'s `Display` never uses an exponent and drops a `.0` fraction.
        n.to_string()
    }
}

/// Where `appuser.x` (and `source.x`, an alias) and `user.x` read from.
pub trait Scope {
    /// The imported app user's attribute `name`, if it has one.
    fn app_user(&self, name: &str) -> Option<&str>;
    /// The Muster user's attribute `name`, if it has one.
    fn user(&self, name: &str) -> Option<&str>;
}

impl Expr {
    /// Parses an expression, checking its syntax, references, function names
    /// and argument counts.
    pub fn parse(input: &str) -> Result<Expr, ExprError> {
        let length = input.chars().count();
        if length > MAX_EXPRESSION_CHARS {
            return Err(ExprError {
                position: MAX_EXPRESSION_CHARS,
                message: format!(
                    "The expression is {length} characters long; an expression may be at most {MAX_EXPRESSION_CHARS}"
                ),
            });
        }
        let (tokens, end) = Lexer::new(input).tokenize()?;
        let root = Parser {
            tokens,
            index: 0,
            end,
            depth: 0,
        }
        .parse_expression()?;
        Ok(Expr { root })
    }

    /// Evaluates the expression. Runtime errors (e.g. wrong argument type) carry
    /// the position of the offending function call or `+`.
    pub fn eval(&self, scope: &dyn Scope) -> Result<Value, ExprError> {
        self.root.eval(scope, &mut Budget::new())
    }

    /// Refuses an expression that runs out of its budget on ordinary input
    /// (every attribute a value of 128 characters): one whose values grow
    /// past what a value may be, however short its input. Other errors
    /// (a type that ordinary input does not have) are for the import to meet.
    pub fn check_budget(&self) -> Result<(), ExprError> {
        struct Ordinary(String);
        impl Scope for Ordinary {
            fn app_user(&self, _name: &str) -> Option<&str> {
                Some(&self.0)
            }
            fn user(&self, _name: &str) -> Option<&str> {
                Some(&self.0)
            }
        }
        let mut budget = Budget::new();
        match self.root.eval(&Ordinary("x".repeat(128)), &mut budget) {
            Err(e) if budget.exceeded => Err(e),
            _ => Ok(()),
        }
    }

    /// The appuser attributes the expression reads (for validation against a
    /// schema and for previews), in order of first appearance, without repeats.
    pub fn app_user_attributes(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.root.collect_app_user_attributes(&mut names);
        names
    }
}

// ---------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare or dotted name: `appuser.email`, `String.len`, `AND`, `true`.
    Name(String),
    Str(String),
    Number(f64),
    LParen,
    RParen,
    Comma,
    Plus,
    EqEq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    AndAnd,
    OrOr,
    Bang,
    Question,
    Elvis,
    Colon,
}

impl Tok {
    /// How the token is named in "Unexpected …" messages.
    fn describe(&self) -> String {
        let symbol = match self {
            Tok::Name(name) => return format!("'{name}'"),
            Tok::Str(_) => return "string literal".to_owned(),
            Tok::Number(n) => return format!("number {}", format_number(*n)),
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Plus => "+",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Less => "<",
            Tok::LessEq => "<=",
            Tok::Greater => ">",
            Tok::GreaterEq => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Bang => "!",
            Tok::Question => "?",
            Tok::Elvis => "?:",
            Tok::Colon => ":",
        };
        format!("'{symbol}'")
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tok: Tok,
    /// Character offset of the token's first character.
    position: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
}

impl Lexer {
    fn new(input: &str) -> Self {
        Lexer {
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_second(&self) -> Option<char> {
        self.chars.get(self.pos + 1).copied()
    }

    /// All tokens, and the input's length in characters (the position of "end").
    fn tokenize(mut self) -> Result<(Vec<Token>, usize), ExprError> {
        let mut tokens = Vec::new();
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += 1;
                continue;
            }
            let position = self.pos;
            let tok = self.token(c)?;
            tokens.push(Token { tok, position });
        }
        Ok((tokens, self.chars.len()))
    }

    /// Reads the token starting with `c` (the current character).
    fn token(&mut self, c: char) -> Result<Tok, ExprError> {
        let start = self.pos;
        let (tok, len) = match (c, self.peek_second()) {
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            (',', _) => (Tok::Comma, 1),
            ('+', _) => (Tok::Plus, 1),
            ('=', Some('=')) => (Tok::EqEq, 2),
            ('!', Some('=')) => (Tok::NotEq, 2),
            ('!', _) => (Tok::Bang, 1),
            ('<', Some('=')) => (Tok::LessEq, 2),
            ('<', _) => (Tok::Less, 1),
            ('>', Some('=')) => (Tok::GreaterEq, 2),
            ('>', _) => (Tok::Greater, 1),
            ('&', Some('&')) => (Tok::AndAnd, 2),
            ('|', Some('|')) => (Tok::OrOr, 2),
            ('?', Some(':')) => (Tok::Elvis, 2),
            ('?', _) => (Tok::Question, 1),
            (':', _) => (Tok::Colon, 1),
            ('\'' | '"', _) => return self.string(c),
            (c, _) if c.is_ascii_digit() => return self.number(),
            (c, _) if c.is_ascii_alphabetic() || c == '_' => return self.name(),
            ('=', _) => {
                return Err(ExprError::with_hint(
                    start,
                    "Unexpected character '='",
                    "use '==' to compare",
                ));
            }
            (c, _) => {
                return Err(ExprError::at(
                    start,
                    format_args!("Unexpected character '{c}'"),
                ))
            }
        };
        self.pos += len;
        Ok(tok)
    }

    /// A string literal delimited by `quote`, which is the current character.
    fn string(&mut self, quote: char) -> Result<Tok, ExprError> {
        let start = self.pos;
        let unterminated = || ExprError::at(start, "Unterminated string literal");
        self.pos += 1;
        let mut value = String::new();
        loop {
            let c = self.peek().ok_or_else(unterminated)?;
            let at = self.pos;
            self.pos += 1;
            if c == quote {
                return Ok(Tok::Str(value));
            }
            if c != '\\' {
                value.push(c);
                continue;
            }
            let escaped = self.peek().ok_or_else(unterminated)?;
            self.pos += 1;
            value.push(match escaped {
                '\'' | '"' | '\\' => escaped,
                'n' => '\n',
                't' => '\t',
                other => {
                    return Err(ExprError::at(
                        at,
                        format_args!("Invalid escape sequence '\\{other}'"),
                    ));
                }
            });
        }
    }

    /// `[0-9]+ ( "." [0-9]+ )?`; a `.` not followed by a digit is left alone.
    fn number(&mut self) -> Result<Tok, ExprError> {
        let start = self.pos;
        let mut text = String::new();
        self.take_while(|c| c.is_ascii_digit(), &mut text);
        if self.peek() == Some('.') && self.peek_second().is_some_and(|c| c.is_ascii_digit()) {
            text.push('.');
            self.pos += 1;
            self.take_while(|c| c.is_ascii_digit(), &mut text);
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Number(n)),
            _ => Err(ExprError::at(start, "Number too large")),
        }
    }

    /// A name, possibly dotted (`appuser.email`, `String.toLowerCase`).
    fn name(&mut self) -> Result<Tok, ExprError> {
        let mut name = String::new();
        self.take_while(is_name_char, &mut name);
        while self.peek() == Some('.') {
            if !self.peek_second().is_some_and(is_name_char) {
                return Err(ExprError::at(self.pos + 1, "Expected a name after '.'"));
            }
            name.push('.');
            self.pos += 1;
            self.take_while(is_name_char, &mut name);
        }
        Ok(Tok::Name(name))
    }

    fn take_while(&mut self, accept: impl Fn(char) -> bool, out: &mut String) {
        while let Some(c) = self.peek().filter(|&c| accept(c)) {
            out.push(c);
            self.pos += 1;
        }
    }
}

// ---------------------------------------------------------------------------
// Syntax tree
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(Value),
    /// `appuser.name` or `source.name`.
    AppUser(String),
    /// `user.name`.
    User(String),
    Not(Box<Node>),
    /// Two or more operands.
    And(Vec<Node>),
    /// Two or more operands.
    Or(Vec<Node>),
    /// `first op₁ x₁ op₂ x₂ …`, folded left to right.
    Compare {
        first: Box<Node>,
        rest: Vec<(CmpOp, Node)>,
    },
    /// `first + x₁ + x₂ …`, folded left to right; each `+` keeps its position.
    Add {
        first: Box<Node>,
        rest: Vec<(usize, Node)>,
    },
    Conditional {
        condition: Box<Node>,
        then: Box<Node>,
        otherwise: Box<Node>,
    },
    /// `a ?: b ?: …`: the first operand that is neither null nor empty.
    Elvis(Vec<Node>),
    Call {
        function: Function,
        position: usize,
        args: Vec<Node>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn equality(tok: &Tok) -> Option<Self> {
        match tok {
            Tok::EqEq => Some(CmpOp::Eq),
            Tok::NotEq => Some(CmpOp::Ne),
            _ => None,
        }
    }

    fn relational(tok: &Tok) -> Option<Self> {
        match tok {
            Tok::Less => Some(CmpOp::Lt),
            Tok::LessEq => Some(CmpOp::Le),
            Tok::Greater => Some(CmpOp::Gt),
            Tok::GreaterEq => Some(CmpOp::Ge),
            _ => None,
        }
    }

    fn apply(self, left: &Value, right: &Value) -> bool {
        let ordering = || order(left, right);
        match self {
            CmpOp::Eq => values_equal(left, right),
            CmpOp::Ne => !values_equal(left, right),
            CmpOp::Lt => ordering() == Some(Ordering::Less),
            CmpOp::Le => matches!(ordering(), Some(Ordering::Less | Ordering::Equal)),
            CmpOp::Gt => ordering() == Some(Ordering::Greater),
            CmpOp::Ge => matches!(ordering(), Some(Ordering::Greater | Ordering::Equal)),
        }
    }
}

/// A string holding a number, as a number (attributes are always strings).
fn numeric(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn values_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            numeric(s) == Some(*n)
        }
        _ => false,
    }
}

/// The order of two values, if they can be ordered at all.
fn order(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::String(s), Value::Number(n)) => numeric(s)?.partial_cmp(n),
        (Value::Number(n), Value::String(s)) => n.partial_cmp(&numeric(s)?),
        _ => None,
    }
}

/// `left + right` (see the module documentation).
fn add(
    left: Value,
    right: Value,
    position: usize,
    budget: &mut Budget,
) -> Result<Value, ExprError> {
    match (left, right) {
        (left @ Value::String(_), right) | (left, right @ Value::String(_)) => {
            let mut text = match left {
                Value::String(s) => s,
                other => other.to_profile_string().unwrap_or_default(),
            };
            let right = right.to_profile_string().unwrap_or_default();
            if text.len() + right.len() > MAX_VALUE_BYTES {
                budget.produce(text.len() + right.len(), position)?;
            }
            budget.spend(right.len(), position)?;
            text.push_str(&right);
            Ok(Value::String(text))
        }
        (Value::Number(a), Value::Number(b)) => {
            let sum = a + b;
            if sum.is_finite() {
                Ok(Value::Number(sum))
            } else {
                Err(ExprError::at(position, "Number out of range"))
            }
        }
        (Value::Null, _) | (_, Value::Null) => Ok(Value::Null),
        (left, right) => Err(ExprError::at(
            position,
            format_args!("Cannot add {} and {}", left.type_name(), right.type_name()),
        )),
    }
}

// ---------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------

/// The functions an expression can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    /// `String.toLowerCase(s)`
    ToLowerCase,
    /// `String.toUpperCase(s)`
    ToUpperCase,
    /// `String.substringBefore(s, sep)`: `s` before the first `sep`; all of `s`
    /// when `sep` does not occur.
    SubstringBefore,
    /// `String.substringAfter(s, sep)`: `s` after the first `sep`; `""` when
    /// `sep` does not occur.
    SubstringAfter,
    /// `String.substring(s, start, end)`: characters `start..end`, indices
    /// truncated to whole numbers and clamped to `0..=len`.
    Substring,
    /// `String.replace(s, match, replacement)`: every literal occurrence.
    Replace,
    /// `String.join(sep, a, b, …)`: the non-null parts joined by `sep`.
    Join,
    /// `String.len(s)`: number of characters (0 for null).
    Len,
    /// `String.stringContains(s, part)`
    StringContains,
    /// `String.startsWith(s, prefix)`
    StartsWith,
    /// `String.removeSpaces(s)`: `s` without any whitespace.
    RemoveSpaces,
    /// `String.stringSwitch(s, default, key₁, value₁, …)`: the value of the
    /// first key that occurs in `s`, else `default`.
    StringSwitch,
}

/// How many arguments a function takes.
enum Arity {
    Exactly(usize),
    AtLeast(usize),
    /// Input, default, then key/value pairs.
    Switch,
}

/// What a parameter accepts (besides null, which every parameter accepts).
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Number,
    Any,
}

impl Kind {
    fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (_, Value::Null)
                | (Kind::Any, _)
                | (Kind::Text, Value::String(_))
                | (Kind::Number, Value::Number(_))
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Number => "a number",
            Kind::Any => "a value",
        }
    }
}

impl Function {
    const ALL: [Function; 12] = [
        Function::ToLowerCase,
        Function::ToUpperCase,
        Function::SubstringBefore,
        Function::SubstringAfter,
        Function::Substring,
        Function::Replace,
        Function::Join,
        Function::Len,
        Function::StringContains,
        Function::StartsWith,
        Function::RemoveSpaces,
        Function::StringSwitch,
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|function| function.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Function::ToLowerCase => "String.toLowerCase",
            Function::ToUpperCase => "String.toUpperCase",
            Function::SubstringBefore => "String.substringBefore",
            Function::SubstringAfter => "String.substringAfter",
            Function::Substring => "String.substring",
            Function::Replace => "String.replace",
            Function::Join => "String.join",
            Function::Len => "String.len",
            Function::StringContains => "String.stringContains",
            Function::StartsWith => "String.startsWith",
            Function::RemoveSpaces => "String.removeSpaces",
            Function::StringSwitch => "String.stringSwitch",
        }
    }

    fn arity(self) -> Arity {
        match self {
            Function::ToLowerCase
            | Function::ToUpperCase
            | Function::Len
            | Function::RemoveSpaces => Arity::Exactly(1),
            Function::SubstringBefore
            | Function::SubstringAfter
            | Function::StringContains
            | Function::StartsWith => Arity::Exactly(2),
            Function::Substring | Function::Replace => Arity::Exactly(3),
            Function::Join => Arity::AtLeast(1),
            Function::StringSwitch => Arity::Switch,
        }
    }

    /// The message for a call with `count` arguments, if that is the wrong number.
    fn arity_error(self, count: usize) -> Option<String> {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        let name = self.name();
        match self.arity() {
            Arity::Exactly(n) if count != n => {
                Some(format!("{name} expects {n} {}, got {count}", plural(n)))
            }
            Arity::AtLeast(n) if count < n => Some(format!(
                "{name} expects at least {n} {}, got {count}",
                plural(n)
            )),
            Arity::Switch if count < 2 || !count.is_multiple_of(2) => Some(format!(
                "{name} expects an input, a default and key/value pairs \
                 (an even number of arguments, at least 2), got {count}"
            )),
            _ => None,
        }
    }

    /// What the parameter at `index` (0-based) accepts.
    fn param_kind(self, index: usize) -> Kind {
        match (self, index) {
            (Function::Substring, 1 | 2) => Kind::Number,
            (Function::Join, 0) => Kind::Text,
            (Function::Join, _) => Kind::Any,
            _ => Kind::Text,
        }
    }

    /// Calls the function on evaluated arguments; `position` is the call's.
    fn apply(
        self,
        args: &[Value],
        position: usize,
        budget: &mut Budget,
    ) -> Result<Value, ExprError> {
        for (index, value) in args.iter().enumerate() {
            let kind = self.param_kind(index);
            if !kind.accepts(value) {
                return Err(ExprError::at(
                    position,
                    format_args!(
                        "{} expects {} as argument {}, got {}",
                        self.name(),
                        kind.describe(),
                        index + 1,
                        value.type_name()
                    ),
                ));
            }
        }
        let propagates_null = !matches!(self, Function::Join | Function::Len);
        if propagates_null && args.contains(&Value::Null) {
            return Ok(Value::Null);
        }
        if let (
            Function::Replace,
            [Value::String(s), Value::String(pattern), Value::String(replacement)],
        ) = (self, args)
        {
            if !pattern.is_empty() {
                let found = s.matches(pattern.as_str()).count();
                let bytes = (s.len() - found * pattern.len())
                    .saturating_add(found.saturating_mul(replacement.len()));
                budget.produce(bytes, position)?;
            }
        }
        if let (Function::Join, [separator, parts @ ..]) = (self, args) {
            let bytes: usize = parts
                .iter()
                .map(|p| p.to_profile_string().map_or(0, |p| p.len()))
                .sum::<usize>()
                .saturating_add(
                    separator
                        .to_profile_string()
                        .map_or(0, |s| s.len())
                        .saturating_mul(parts.len()),
                );
            budget.produce(bytes, position)?;
        }
        // Every string a function returns is paid for and bounded; the ones
        // that can grow are bounded before they are built.
        let mut text = |s: String| {
            budget.produce(s.len(), position)?;
            Ok(Value::String(s))
        };
        match (self, args) {
            (Function::ToLowerCase, [Value::String(s)]) => text(s.to_lowercase()),
            (Function::ToUpperCase, [Value::String(s)]) => text(s.to_uppercase()),
            (Function::SubstringBefore, [Value::String(s), Value::String(separator)]) => text(
                s.split_once(separator.as_str())
                    .map_or_else(|| s.clone(), |(before, _)| before.to_owned()),
            ),
            (Function::SubstringAfter, [Value::String(s), Value::String(separator)]) => text(
                s.split_once(separator.as_str())
                    .map_or_else(String::new, |(_, after)| after.to_owned()),
            ),
            (Function::Substring, [Value::String(s), Value::Number(start), Value::Number(end)]) => {
                let len = s.chars().count();
                let (start, end) = (clamp_index(*start, len), clamp_index(*end, len));
                text(
                    s.chars()
                        .skip(start)
                        .take(end.saturating_sub(start))
                        .collect(),
                )
            }
            (
                Function::Replace,
                [Value::String(s), Value::String(pattern), Value::String(replacement)],
            ) => {
                if pattern.is_empty() {
                    text(s.clone())
                } else {
                    text(s.replace(pattern.as_str(), replacement))
                }
            }
            (Function::Join, [separator, parts @ ..]) => {
                let separator = separator.to_profile_string().unwrap_or_default();
                let parts: Vec<String> =
                    parts.iter().filter_map(Value::to_profile_string).collect();
                text(parts.join(&separator))
            }
            (Function::Len, [Value::String(s)]) => Ok(Value::Number(s.chars().count() as f64)),
            (Function::Len, [Value::Null]) => Ok(Value::Number(0.0)),
            (Function::StringContains, [Value::String(s), Value::String(part)]) => {
                Ok(Value::Bool(s.contains(part.as_str())))
            }
            (Function::StartsWith, [Value::String(s), Value::String(prefix)]) => {
                Ok(Value::Bool(s.starts_with(prefix.as_str())))
            }
            (Function::RemoveSpaces, [Value::String(s)]) => {
                text(s.chars().filter(|c| !c.is_whitespace()).collect())
            }
            (
                Function::StringSwitch,
                [Value::String(input), Value::String(default), pairs @ ..],
            ) => {
                let found = pairs.chunks_exact(2).find_map(|pair| match pair {
                    [Value::String(key), Value::String(value)] if input.contains(key.as_str()) => {
                        Some(value)
                    }
                    _ => None,
                });
                text(found.unwrap_or(default).clone())
            }
            // Unreachable after the arity (parse time) and type checks above;
            // kept as an error rather than a panic.
            _ => Err(ExprError::at(
                position,
                format_args!("{} cannot be applied to these arguments", self.name()),
            )),
        }
    }
}

/// A character index for `String.substring`: truncated, clamped to `0..=len`.
fn clamp_index(index: f64, len: usize) -> usize {
    if index.is_nan() || index <= 0.0 {
        0
    } else if index >= len as f64 {
        len
    } else {
        // In range and positive, so the truncating cast is exact enough.
        index as usize
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser {
    tokens: Vec<Token>,
    index: usize,
    /// Position reported for "end of expression".
    end: usize,
    depth: usize,
}

impl Parser {
    fn parse_expression(mut self) -> Result<Node, ExprError> {
        if self.tokens.is_empty() {
            return Err(ExprError {
                position: 0,
                message: "Empty expression".to_owned(),
            });
        }
        let root = self.conditional()?;
        match self.peek() {
            None => Ok(root),
            Some(_) => Err(self.unexpected()),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.index).map(|token| &token.tok)
    }

    /// Position of the current token, or of the end of the input.
    fn position(&self) -> usize {
        self.tokens
            .get(self.index)
            .map_or(self.end, |token| token.position)
    }

    fn bump(&mut self) {
        self.index += 1;
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.peek() == Some(tok);
        if hit {
            self.bump();
        }
        hit
    }

    /// Consumes `symbol` or the (case-insensitive) word `keyword`.
    fn eat_operator(&mut self, symbol: &Tok, keyword: &str) -> bool {
        let hit = match self.peek() {
            Some(Tok::Name(name)) => name.eq_ignore_ascii_case(keyword),
            Some(tok) => tok == symbol,
            None => false,
        };
        if hit {
            self.bump();
        }
        hit
    }

    fn unexpected(&self) -> ExprError {
        match self.peek() {
            None => ExprError::at(self.end, "Unexpected end of expression"),
            Some(tok) => ExprError::at(
                self.position(),
                format_args!("Unexpected {}", tok.describe()),
            ),
        }
    }

    /// Runs `parse` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        position: usize,
        parse: impl FnOnce(&mut Self) -> Result<T, ExprError>,
    ) -> Result<T, ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::at(
                position,
                format_args!("Expression is nested too deeply (more than {MAX_DEPTH} levels)"),
            ));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    /// `a ? b : c` and `a ?: b ?: …` (right-associative, same precedence).
    fn conditional(&mut self) -> Result<Node, ExprError> {
        let mut options = Vec::new();
        loop {
            let operand = self.or()?;
            let question = self.position();
            if self.eat(&Tok::Question) {
                let (then, otherwise) = self.nested(question, |p| {
                    let then = p.conditional()?;
                    if !p.eat(&Tok::Colon) {
                        return Err(ExprError::at(p.position(), "Expected ':' in conditional"));
                    }
                    Ok((then, p.conditional()?))
                })?;
                options.push(Node::Conditional {
                    condition: Box::new(operand),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                });
                // The else branch has consumed any `?:` that follows.
                break;
            }
            options.push(operand);
            if !self.eat(&Tok::Elvis) {
                break;
            }
        }
        Ok(single_or(options, Node::Elvis))
    }

    fn or(&mut self) -> Result<Node, ExprError> {
        let mut operands = vec![self.and()?];
        while self.eat_operator(&Tok::OrOr, "OR") {
            operands.push(self.and()?);
        }
        Ok(single_or(operands, Node::Or))
    }

    fn and(&mut self) -> Result<Node, ExprError> {
        let mut operands = vec![self.equality()?];
        while self.eat_operator(&Tok::AndAnd, "AND") {
            operands.push(self.equality()?);
        }
        Ok(single_or(operands, Node::And))
    }

    fn equality(&mut self) -> Result<Node, ExprError> {
        self.comparison_chain(CmpOp::equality, Self::relational)
    }

    fn relational(&mut self) -> Result<Node, ExprError> {
        self.comparison_chain(CmpOp::relational, Self::additive)
    }

    /// `operand ( op operand )*` for the operators `op_of` recognises.
    fn comparison_chain(
        &mut self,
        op_of: fn(&Tok) -> Option<CmpOp>,
        operand: fn(&mut Self) -> Result<Node, ExprError>,
    ) -> Result<Node, ExprError> {
        let first = operand(self)?;
        let mut rest = Vec::new();
        while let Some(op) = self.peek().and_then(op_of) {
            self.bump();
            rest.push((op, operand(self)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Compare {
                first: Box::new(first),
                rest,
            }
        })
    }

    fn additive(&mut self) -> Result<Node, ExprError> {
        let first = self.unary()?;
        let mut rest = Vec::new();
        loop {
            let position = self.position();
            if !self.eat(&Tok::Plus) {
                break;
            }
            rest.push((position, self.unary()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Add {
                first: Box::new(first),
                rest,
            }
        })
    }

    fn unary(&mut self) -> Result<Node, ExprError> {
        let position = self.position();
        if self.eat_operator(&Tok::Bang, "NOT") {
            let operand = self.nested(position, Self::unary)?;
            return Ok(Node::Not(Box::new(operand)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ExprError> {
        let position = self.position();
        let Some(tok) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        match tok {
            Tok::Str(s) => {
                self.bump();
                Ok(Node::Literal(Value::String(s)))
            }
            Tok::Number(n) => {
                self.bump();
                Ok(Node::Literal(Value::Number(n)))
            }
            Tok::LParen => {
                self.bump();
                self.nested(position, |p| {
                    let inner = p.conditional()?;
                    if p.eat(&Tok::RParen) {
                        Ok(inner)
                    } else {
                        Err(ExprError::at(p.position(), "Expected ')'"))
                    }
                })
            }
            Tok::Name(name) => {
                self.bump();
                self.named(name, position)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// A keyword literal, a reference or a function call, starting with `name`.
    fn named(&mut self, name: String, position: usize) -> Result<Node, ExprError> {
        const LITERALS: [(&str, Value); 3] = [
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
        ];
        if ["AND", "OR", "NOT"]
            .iter()
            .any(|keyword| name.eq_ignore_ascii_case(keyword))
        {
            return Err(ExprError::at(position, format_args!("Unexpected '{name}'")));
        }
        if self.peek() == Some(&Tok::LParen) {
            return self.call(&name, position);
        }
        if let Some((_, value)) = LITERALS
            .into_iter()
            .find(|(keyword, _)| name.eq_ignore_ascii_case(keyword))
        {
            return Ok(Node::Literal(value));
        }
        if Function::from_name(&name).is_some() {
            return Err(ExprError::at(
                self.position(),
                format_args!("Expected '(' after '{name}'"),
            ));
        }
        match name.split_once('.') {
            Some(("appuser" | "source", attribute)) if !attribute.contains('.') => {
                Ok(Node::AppUser(attribute.to_owned()))
            }
            Some(("user", attribute)) if !attribute.contains('.') => {
                Ok(Node::User(attribute.to_owned()))
            }
            _ => Err(ExprError::with_hint(
                position,
                format_args!("Unknown reference '{name}'"),
                "use appuser.<attribute> or user.<attribute>",
            )),
        }
    }

    /// `name(args…)`; the current token is the `(`.
    fn call(&mut self, name: &str, position: usize) -> Result<Node, ExprError> {
        let Some(function) = Function::from_name(name) else {
            return Err(ExprError::at(
                position,
                format_args!("Unknown function '{name}'"),
            ));
        };
        self.bump();
        let args = self.nested(position, Self::arguments)?;
        if let Some(message) = function.arity_error(args.len()) {
            return Err(ExprError::at(position, message));
        }
        Ok(Node::Call {
            function,
            position,
            args,
        })
    }

    /// Arguments after the `(`, through the closing `)`.
    fn arguments(&mut self) -> Result<Vec<Node>, ExprError> {
        let mut args = Vec::new();
        if self.eat(&Tok::RParen) {
            return Ok(args);
        }
        loop {
            args.push(self.conditional()?);
            if self.eat(&Tok::RParen) {
                return Ok(args);
            }
            if !self.eat(&Tok::Comma) {
                return Err(ExprError::at(self.position(), "Expected ',' or ')'"));
            }
        }
    }
}

/// The only node of `nodes`, or `build(nodes)` when there are several.
fn single_or(mut nodes: Vec<Node>, build: fn(Vec<Node>) -> Node) -> Node {
    if nodes.len() == 1 {
        if let Some(node) = nodes.pop() {
            return node;
        }
    }
    build(nodes)
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

fn attribute(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

impl Node {
    fn eval(&self, scope: &dyn Scope, budget: &mut Budget) -> Result<Value, ExprError> {
        budget.spend(1, 0)?;
        Ok(match self {
            Node::Literal(value) => value.clone(),
            Node::AppUser(name) => attribute(scope.app_user(name)),
            Node::User(name) => attribute(scope.user(name)),
            Node::Not(operand) => Value::Bool(!operand.eval(scope, budget)?.is_truthy()),
            Node::And(operands) => {
                for operand in operands {
                    if !operand.eval(scope, budget)?.is_truthy() {
                        return Ok(Value::Bool(false));
                    }
                }
                Value::Bool(true)
            }
            Node::Or(operands) => {
                for operand in operands {
                    if operand.eval(scope, budget)?.is_truthy() {
                        return Ok(Value::Bool(true));
                    }
                }
                Value::Bool(false)
            }
            Node::Compare { first, rest } => {
                let mut left = first.eval(scope, budget)?;
                for (op, operand) in rest {
                    let right = operand.eval(scope, budget)?;
                    left = Value::Bool(op.apply(&left, &right));
                }
                left
            }
            Node::Add { first, rest } => {
                let mut sum = first.eval(scope, budget)?;
                for (position, operand) in rest {
                    sum = add(sum, operand.eval(scope, budget)?, *position, budget)?;
                }
                sum
            }
            Node::Conditional {
                condition,
                then,
                otherwise,
            } => {
                if condition.eval(scope, budget)?.is_truthy() {
                    then.eval(scope, budget)?
                } else {
                    otherwise.eval(scope, budget)?
                }
            }
            Node::Elvis(options) => {
                let mut value = Value::Null;
                for option in options {
                    value = option.eval(scope, budget)?;
                    if !value.is_blank() {
                        break;
                    }
                }
                value
            }
            Node::Call {
                function,
                position,
                args,
            } => {
                let values = args
                    .iter()
                    .map(|arg| arg.eval(scope, budget))
                    .collect::<Result<Vec<_>, _>>()?;
                function.apply(&values, *position, budget)?
            }
        })
    }

    fn collect_app_user_attributes(&self, names: &mut Vec<String>) {
        let mut visit = |node: &Node| node.collect_app_user_attributes(names);
        match self {
            Node::AppUser(name) => {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            Node::Literal(_) | Node::User(_) => {}
            Node::Not(operand) => visit(operand),
            Node::And(operands)
            | Node::Or(operands)
            | Node::Elvis(operands)
            | Node::Call { args: operands, .. } => {
                operands.iter().for_each(&mut visit);
            }
            Node::Compare { first, rest } => {
                visit(first);
                rest.iter().for_each(|(_, operand)| visit(operand));
            }
            Node::Add { first, rest } => {
                visit(first);
                rest.iter().for_each(|(_, operand)| visit(operand));
            }
            Node::Conditional {
                condition,
                then,
                otherwise,
            } => {
                visit(condition);
                visit(then);
                visit(otherwise);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A scope backed by two maps.
    #[derive(Default)]
    struct Attrs {
        app_user: HashMap<String, String>,
        user: HashMap<String, String>,
    }

    impl Attrs {
        fn app(pairs: &[(&str, &str)]) -> Self {
            let app_user = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Attrs {
                app_user,
                user: HashMap::new(),
            }
        }
    }

    impl Scope for Attrs {
        fn app_user(&self, name: &str) -> Option<&str> {
            self.app_user.get(name).map(String::as_str)
        }
        fn user(&self, name: &str) -> Option<&str> {
            self.user.get(name).map(String::as_str)
        }
    }

    fn ada() -> Attrs {
        let mut attrs = Attrs::app(&[
            ("firstName", "Ada"),
            ("lastName", "Lovelace"),
            ("email", "Ada.Lovelace@Example.COM"),
            ("department", "Engineering"),
            ("age", "36"),
            ("empty", ""),
            ("spaced", " a b\tc "),
        ]);
        attrs
            .user
            .insert("login".to_owned(), "ada@muster.test".to_owned());
        attrs
    }

    fn eval_in(source: &str, scope: &Attrs) -> Value {
        match Expr::parse(source) {
            Ok(expr) => match expr.eval(scope) {
                Ok(value) => value,
                Err(e) => panic!("{source:?} failed to evaluate: {e}"),
            },
            Err(e) => panic!("{source:?} failed to parse: {e}"),
        }
    }

    fn eval(source: &str) -> Value {
        eval_in(source, &ada())
    }

    fn s(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    fn n(number: f64) -> Value {
        Value::Number(number)
    }

    fn b(value: bool) -> Value {
        Value::Bool(value)
    }

    fn parse_error(source: &str) -> ExprError {
        match Expr::parse(source) {
            Ok(expr) => panic!("{source:?} parsed unexpectedly: {expr:?}"),
            Err(e) => e,
        }
    }

    fn eval_error(source: &str) -> ExprError {
        let expr =
            Expr::parse(source).unwrap_or_else(|e| panic!("{source:?} failed to parse: {e}"));
        match expr.eval(&ada()) {
            Ok(value) => panic!("{source:?} evaluated unexpectedly to {value:?}"),
            Err(e) => e,
        }
    }

    #[track_caller]
    fn assert_parse_error(source: &str, position: usize, message: &str) {
        let error = parse_error(source);
        assert_eq!(error.message, message, "message for {source:?}");
        assert_eq!(error.position, position, "position for {source:?}");
        assert_eq!(error.to_string(), message);
    }

    #[track_caller]
    fn assert_eval_error(source: &str, position: usize, message: &str) {
        let error = eval_error(source);
        assert_eq!(error.message, message, "message for {source:?}");
        assert_eq!(error.position, position, "position for {source:?}");
    }

    // --- Typical mappings --------------------------------------------------

    #[test]
    fn full_name_concatenation() {
        assert_eq!(
            eval(r#"appuser.firstName + " " + appuser.lastName"#),
            s("Ada Lovelace")
        );
        assert_eq!(
            eval(r#"source.firstName + " " + source.lastName"#),
            s("Ada Lovelace")
        );
    }

    #[test]
    fn concatenation_with_missing_attributes_uses_empty_strings() {
        let only_first = Attrs::app(&[("firstName", "Ada")]);
        let source = r#"appuser.firstName + " " + appuser.lastName"#;
        assert_eq!(eval_in(source, &only_first), s("Ada "));
        assert_eq!(eval_in(source, &Attrs::default()), s(" "));
        assert_eq!(eval("appuser.missing + appuser.firstName"), s("Ada"));
        assert_eq!(eval("null + 'x'"), s("x"));
        assert_eq!(eval("'x' + null"), s("x"));
        // With no string involved a null stays null.
        assert_eq!(eval("appuser.missing + appuser.alsoMissing"), Value::Null);
        assert_eq!(eval("null + 1"), Value::Null);
    }

    #[test]
    fn concatenation_formats_numbers_and_booleans() {
        assert_eq!(eval("'a' + 1 + 2"), s("a12"));
        assert_eq!(eval("1 + 2 + 'a'"), s("3a"));
        assert_eq!(eval("'v' + 1.5"), s("v1.5"));
        assert_eq!(eval("'flag=' + true"), s("flag=true"));
        assert_eq!(eval("1 + 2"), n(3.0));
        assert_eq!(eval("0.5 + 0.25"), n(0.75));
    }

    #[test]
    fn email_mappings() {
        assert_eq!(
            eval("String.toLowerCase(appuser.email)"),
            s("ada.lovelace@example.com")
        );
        assert_eq!(
            eval(r#"String.substringBefore(appuser.email, "@")"#),
            s("Ada.Lovelace")
        );
        assert_eq!(
            eval(r#"String.substringAfter(appuser.email, "@")"#),
            s("Example.COM")
        );
        assert_eq!(
            eval(
                r#"String.toLowerCase(String.substringBefore(appuser.email, "@")) + "@muster.test""#
            ),
            s("ada.lovelace@muster.test")
        );
        assert_eq!(eval("String.toLowerCase(appuser.missing)"), Value::Null);
        assert_eq!(eval("user.login"), s("ada@muster.test"));
        assert_eq!(eval("user.missing"), Value::Null);
    }

    #[test]
    fn conditional_mappings() {
        assert_eq!(
            eval(r#"appuser.department == "Engineering" ? "eng" : "other""#),
            s("eng")
        );
        assert_eq!(
            eval(r#"appuser.department == "Sales" ? "sales" : "other""#),
            s("other")
        );
        assert_eq!(eval(r#"appuser.nickname ?: appuser.firstName"#), s("Ada"));
        assert_eq!(
            eval(r#"String.join(" ", appuser.firstName, appuser.middleName, appuser.lastName)"#),
            s("Ada Lovelace")
        );
    }

    // --- Literals and references -------------------------------------------

    #[test]
    fn literals() {
        assert_eq!(eval("'single'"), s("single"));
        assert_eq!(eval("\"double\""), s("double"));
        assert_eq!(eval(r#"'it\'s \"q\" \\ \n\t'"#), s("it's \"q\" \\ \n\t"));
        assert_eq!(eval(r#""it's""#), s("it's"));
        assert_eq!(eval(r#"'say "hi"'"#), s("say \"hi\""));
        assert_eq!(eval("''"), s(""));
        assert_eq!(eval("42"), n(42.0));
        assert_eq!(eval("3.25"), n(3.25));
        assert_eq!(eval("true"), b(true));
        assert_eq!(eval("FALSE"), b(false));
        assert_eq!(eval("null"), Value::Null);
        assert_eq!(eval("  ( 'padded' )  "), s("padded"));
    }

    #[test]
    fn attribute_names_are_case_sensitive() {
        assert_eq!(eval("appuser.firstname"), Value::Null);
        assert_eq!(eval("appuser.firstName"), s("Ada"));
        let scope = Attrs::app(&[("_x1", "underscore"), ("2fa", "digits first")]);
        assert_eq!(eval_in("appuser._x1", &scope), s("underscore"));
        assert_eq!(eval_in("appuser.2fa", &scope), s("digits first"));
    }

    // --- Functions -----------------------------------------------------------

    #[test]
    fn case_functions() {
        assert_eq!(eval("String.toLowerCase('ÀBC déf')"), s("àbc déf"));
        assert_eq!(eval("String.toUpperCase('àbc Déf')"), s("ÀBC DÉF"));
        assert_eq!(eval("String.toUpperCase(null)"), Value::Null);
    }

    #[test]
    fn substring_before_and_after() {
        assert_eq!(eval("String.substringBefore('a-b-c', '-')"), s("a"));
        assert_eq!(eval("String.substringAfter('a-b-c', '-')"), s("b-c"));
        assert_eq!(eval("String.substringBefore('abc', 'z')"), s("abc"));
        assert_eq!(eval("String.substringAfter('abc', 'z')"), s(""));
        assert_eq!(eval("String.substringBefore('abc', '')"), s(""));
        assert_eq!(eval("String.substringAfter('abc', '')"), s("abc"));
        assert_eq!(eval("String.substringBefore(null, '@')"), Value::Null);
        assert_eq!(
            eval("String.substringAfter('a@b', appuser.missing)"),
            Value::Null
        );
    }

    #[test]
    fn substring_uses_clamped_character_indices() {
        assert_eq!(eval("String.substring('héllo wörld', 1, 5)"), s("éllo"));
        assert_eq!(eval("String.substring('abc', 0, 3)"), s("abc"));
        assert_eq!(eval("String.substring('abc', 2, 99)"), s("c"));
        assert_eq!(eval("String.substring('abc', 5, 9)"), s(""));
        assert_eq!(eval("String.substring('abc', 2, 1)"), s(""));
        assert_eq!(eval("String.substring('abc', 0.9, 2.9)"), s("ab"));
        assert_eq!(eval("String.substring('', 0, 1)"), s(""));
        assert_eq!(eval("String.substring(appuser.missing, 0, 1)"), Value::Null);
        assert_eq!(eval("String.substring('abc', null, 1)"), Value::Null);
        assert_eq!(clamp_index(-3.0, 3), 0);
        assert_eq!(clamp_index(f64::NAN, 3), 0);
        assert_eq!(clamp_index(f64::INFINITY, 3), 3);
        assert_eq!(clamp_index(1e300, 3), 3);
    }

    #[test]
    fn replace_is_literal_and_replaces_all() {
        assert_eq!(eval("String.replace('a.b.c', '.', '-')"), s("a-b-c"));
        assert_eq!(eval("String.replace('aaa', 'aa', 'b')"), s("ba"));
        assert_eq!(eval("String.replace('x+y', '+', '')"), s("xy"));
        assert_eq!(eval("String.replace('abc', '', '-')"), s("abc"));
        assert_eq!(eval("String.replace('abc', 'z', '-')"), s("abc"));
        assert_eq!(eval("String.replace('abc', 'b', null)"), Value::Null);
    }

    #[test]
    fn join_skips_nulls() {
        assert_eq!(eval("String.join(', ', 'a', 'b', 'c')"), s("a, b, c"));
        assert_eq!(
            eval("String.join('-', 'a', null, appuser.missing, 'b')"),
            s("a-b")
        );
        assert_eq!(eval("String.join('-', 1, true, '')"), s("1-true-"));
        assert_eq!(eval("String.join('-')"), s(""));
        assert_eq!(eval("String.join('-', null)"), s(""));
        assert_eq!(eval("String.join(null, 'a', 'b')"), s("ab"));
    }

    #[test]
    fn len_counts_characters() {
        assert_eq!(eval("String.len('héllo')"), n(5.0));
        assert_eq!(eval("String.len('')"), n(0.0));
        assert_eq!(eval("String.len(null)"), n(0.0));
        assert_eq!(eval("String.len(appuser.lastName) > 5"), b(true));
    }

    #[test]
    fn contains_starts_with_and_remove_spaces() {
        assert_eq!(
            eval("String.stringContains(appuser.email, 'Example')"),
            b(true)
        );
        assert_eq!(
            eval("String.stringContains(appuser.email, 'example')"),
            b(false)
        );
        assert_eq!(eval("String.stringContains(null, 'x')"), Value::Null);
        assert_eq!(eval("String.startsWith(appuser.email, 'Ada.')"), b(true));
        assert_eq!(eval("String.startsWith(appuser.email, 'ada.')"), b(false));
        assert_eq!(eval("String.startsWith('abc', '')"), b(true));
        assert_eq!(eval("String.removeSpaces(appuser.spaced)"), s("abc"));
        assert_eq!(eval("String.removeSpaces(null)"), Value::Null);
    }

    #[test]
    fn string_switch_returns_value_of_first_matching_key() {
        assert_eq!(
            eval("String.stringSwitch('This is a test', 'default', 'key', 'value')"),
            s("default")
        );
        assert_eq!(
            eval("String.stringSwitch('This is a test', 'default', 'test', 'value')"),
            s("value")
        );
        assert_eq!(
            eval("String.stringSwitch('First match wins', 'default', 'absent', '1st', 'match', '2nd', 'wins', '3rd')"),
            s("2nd")
        );
        assert_eq!(eval("String.stringSwitch('x', 'default')"), s("default"));
        assert_eq!(
            eval("String.stringSwitch(appuser.missing, 'default', 'a', 'b')"),
            Value::Null
        );
    }

    // --- Operators -----------------------------------------------------------

    #[test]
    fn ternary_and_elvis() {
        assert_eq!(eval("true ? 'y' : 'n'"), s("y"));
        assert_eq!(eval("false ? 'y' : 'n'"), s("n"));
        assert_eq!(eval("false ? 'a' : true ? 'b' : 'c'"), s("b"));
        assert_eq!(eval("true ? false ? 'a' : 'b' : 'c'"), s("b"));
        assert_eq!(eval("appuser.empty ?: 'fallback'"), s("fallback"));
        assert_eq!(eval("appuser.missing ?: 'fallback'"), s("fallback"));
        assert_eq!(eval("appuser.firstName ?: 'fallback'"), s("Ada"));
        assert_eq!(
            eval("appuser.missing ?: appuser.empty ?: 'last'"),
            s("last")
        );
        assert_eq!(eval("appuser.missing ?: appuser.empty"), s(""));
        assert_eq!(eval("0 ?: 5"), n(0.0));
        assert_eq!(eval("false ?: 5"), b(false));
        assert_eq!(eval("null ?: true ? 'a' : 'b'"), s("a"));
        assert_eq!(eval("false ? 'a' : null ?: 'b'"), s("b"));
        assert_eq!(eval("true ? appuser.missing ?: 'x' : 'y'"), s("x"));
    }

    #[test]
    fn branches_are_evaluated_lazily() {
        // The untaken branch would fail with a type error.
        assert_eq!(eval("true ? 'ok' : String.toLowerCase(1)"), s("ok"));
        assert_eq!(eval("'set' ?: String.toLowerCase(1)"), s("set"));
        assert_eq!(eval("false AND String.toLowerCase(1)"), b(false));
        assert_eq!(eval("true OR String.toLowerCase(1)"), b(true));
    }

    #[test]
    fn truthiness() {
        for falsy in [
            "null",
            "false",
            "''",
            "0",
            "appuser.missing",
            "appuser.empty",
        ] {
            assert_eq!(eval(&format!("{falsy} ? 'T' : 'F'")), s("F"), "{falsy}");
        }
        for truthy in [
            "true",
            "'0'",
            "'false'",
            "1",
            "0.5",
            "' '",
            "appuser.firstName",
        ] {
            assert_eq!(eval(&format!("{truthy} ? 'T' : 'F'")), s("T"), "{truthy}");
        }
    }

    #[test]
    fn logical_operators() {
        assert_eq!(eval("true AND true"), b(true));
        assert_eq!(eval("true && false"), b(false));
        assert_eq!(eval("false OR true"), b(true));
        assert_eq!(eval("false || false"), b(false));
        assert_eq!(eval("'a' and 1"), b(true));
        assert_eq!(eval("!true"), b(false));
        assert_eq!(eval("!appuser.missing"), b(true));
        assert_eq!(eval("NOT appuser.firstName"), b(false));
        assert_eq!(eval("not not 'x'"), b(true));
        assert_eq!(eval("!!''"), b(false));
        assert_eq!(eval("NOT(false)"), b(true));
    }

    #[test]
    fn comparisons() {
        assert_eq!(eval("'abc' == 'abc'"), b(true));
        assert_eq!(eval("'abc' == 'ABC'"), b(false));
        assert_eq!(eval("'abc' != 'ABC'"), b(true));
        assert_eq!(eval("'a' < 'b'"), b(true));
        assert_eq!(eval("'B' < 'a'"), b(true));
        assert_eq!(eval("'b' >= 'b'"), b(true));
        assert_eq!(eval("'2' < '10'"), b(false));
        assert_eq!(eval("2 < 10"), b(true));
        assert_eq!(eval("1 == 1.0"), b(true));
        assert_eq!(eval("3 <= 2"), b(false));
        assert_eq!(eval("3 > 2"), b(true));
        assert_eq!(eval("true == true"), b(true));
        assert_eq!(eval("true != false"), b(true));
        assert_eq!(eval("true < false"), b(false));
        // Attributes are strings; a numeric one compares with numbers.
        assert_eq!(eval("appuser.age == 36"), b(true));
        assert_eq!(eval("appuser.age >= 18"), b(true));
        assert_eq!(eval("40 > appuser.age"), b(true));
        assert_eq!(eval("appuser.firstName == 0"), b(false));
        assert_eq!(eval("appuser.firstName != 0"), b(true));
        assert_eq!(eval("appuser.firstName > 0"), b(false));
        assert_eq!(eval("'1' == true"), b(false));
    }

    #[test]
    fn null_comparisons() {
        assert_eq!(eval("null == null"), b(true));
        assert_eq!(eval("appuser.missing == null"), b(true));
        assert_eq!(eval("appuser.missing != null"), b(false));
        assert_eq!(eval("appuser.firstName == null"), b(false));
        assert_eq!(eval("appuser.firstName != null"), b(true));
        assert_eq!(eval("appuser.missing == ''"), b(false));
        assert_eq!(eval("appuser.missing != 'x'"), b(true));
        assert_eq!(eval("null == false"), b(false));
        assert_eq!(eval("null == 0"), b(false));
        for op in ["<", "<=", ">", ">="] {
            assert_eq!(eval(&format!("null {op} 1")), b(false), "null {op} 1");
            assert_eq!(eval(&format!("'a' {op} null")), b(false), "'a' {op} null");
            assert_eq!(eval(&format!("null {op} null")), b(false), "null {op} null");
        }
    }

    #[test]
    fn precedence() {
        // `+` binds tighter than comparison, which binds tighter than equality.
        assert_eq!(eval("1 + 2 == 3"), b(true));
        assert_eq!(eval("1 < 2 == 2 < 3"), b(true));
        assert_eq!(eval("'a' + 'b' == 'ab'"), b(true));
        // AND binds tighter than OR.
        assert_eq!(eval("true OR true AND false"), b(true));
        assert_eq!(eval("(true OR true) AND false"), b(false));
        assert_eq!(eval("false AND false OR true"), b(true));
        // Equality binds tighter than AND/OR.
        assert_eq!(
            eval("appuser.firstName == 'Ada' AND appuser.lastName == 'Lovelace'"),
            b(true)
        );
        assert_eq!(
            eval("appuser.firstName == 'Bob' OR appuser.lastName == 'Lovelace'"),
            b(true)
        );
        // Ternary is lowest.
        assert_eq!(eval("true ? 1 : 2 + 3"), n(1.0));
        assert_eq!(eval("false ? 1 : 2 + 3"), n(5.0));
        assert_eq!(eval("true AND false ? 'y' : 'n'"), s("n"));
        assert_eq!(eval("appuser.missing ?: 'x' + 'y'"), s("xy"));
        // Unary `!` binds tightest.
        assert_eq!(eval("!true == false"), b(true));
        assert_eq!(eval("NOT appuser.firstName == 'x'"), b(false));
        assert_eq!(eval("!(appuser.firstName == 'x')"), b(true));
        // Parentheses override.
        assert_eq!(eval("'n=' + (1 + 2)"), s("n=3"));
        assert_eq!(eval("'n=' + 1 + 2"), s("n=12"));
    }

    #[test]
    fn comparison_chains_fold_left() {
        // (1 < 2) == true
        assert_eq!(eval("1 < 2 == true"), b(true));
        // (3 == 3) == (2 == 2)
        assert_eq!(eval("3 == 3 == (2 == 2)"), b(true));
        // ('a' == 'a') == 'a'  →  true == 'a'  →  false
        assert_eq!(eval("'a' == 'a' == 'a'"), b(false));
    }

    // --- Errors --------------------------------------------------------------

    #[test]
    fn parse_errors_have_exact_positions() {
        assert_parse_error(
            "appuser.email # 1",
            14,
            "Unexpected character '#' at position 14",
        );
        assert_parse_error("\"abc", 0, "Unterminated string literal at position 0");
        assert_parse_error("'a' + 'b", 6, "Unterminated string literal at position 6");
        assert_parse_error(
            "'ends with escape\\",
            0,
            "Unterminated string literal at position 0",
        );
        assert_parse_error("(appuser.a + appuser.b", 22, "Expected ')' at position 22");
        assert_parse_error("((1)", 4, "Expected ')' at position 4");
        assert_parse_error("(1 2)", 3, "Expected ')' at position 3");
        assert_parse_error(
            "appuser.active ? \"yes\"",
            22,
            "Expected ':' in conditional at position 22",
        );
        assert_parse_error(
            "true ? 'a' 'b'",
            11,
            "Expected ':' in conditional at position 11",
        );
        assert_parse_error(
            "foo + 1",
            0,
            "Unknown reference 'foo' at position 0 — use appuser.<attribute> or user.<attribute>",
        );
        assert_parse_error(
            "'x' + appUser.email",
            6,
            "Unknown reference 'appUser.email' at position 6 — use appuser.<attribute> or user.<attribute>",
        );
        assert_parse_error(
            "appuser",
            0,
            "Unknown reference 'appuser' at position 0 — use appuser.<attribute> or user.<attribute>",
        );
        assert_parse_error(
            "appuser.a.b",
            0,
            "Unknown reference 'appuser.a.b' at position 0 — use appuser.<attribute> or user.<attribute>",
        );
        assert_parse_error(
            "String.foo(appuser.a)",
            0,
            "Unknown function 'String.foo' at position 0",
        );
        assert_parse_error(
            "'x' + string.toLowerCase('A')",
            6,
            "Unknown function 'string.toLowerCase' at position 6",
        );
        assert_parse_error(
            "String.tolowercase('A')",
            0,
            "Unknown function 'String.tolowercase' at position 0",
        );
        assert_parse_error(
            "String.len",
            10,
            "Expected '(' after 'String.len' at position 10",
        );
        assert_parse_error(
            "String.toLowerCase(appuser.email",
            32,
            "Expected ',' or ')' at position 32",
        );
        assert_parse_error(
            "String.join('-', 'a' 'b')",
            21,
            "Expected ',' or ')' at position 21",
        );
        assert_parse_error(
            "appuser.a +",
            11,
            "Unexpected end of expression at position 11",
        );
        assert_parse_error(
            "appuser.a appuser.b",
            10,
            "Unexpected 'appuser.b' at position 10",
        );
        assert_parse_error(")", 0, "Unexpected ')' at position 0");
        assert_parse_error("()", 1, "Unexpected ')' at position 1");
        assert_parse_error("+ 1", 0, "Unexpected '+' at position 0");
        assert_parse_error("1 + + 2", 4, "Unexpected '+' at position 4");
        assert_parse_error("String.join('-',)", 16, "Unexpected ')' at position 16");
        assert_parse_error("appuser.a ? : 'x'", 12, "Unexpected ':' at position 12");
        assert_parse_error("1 AND", 5, "Unexpected end of expression at position 5");
        assert_parse_error("AND 1", 0, "Unexpected 'AND' at position 0");
        assert_parse_error("'a' 'b'", 4, "Unexpected string literal at position 4");
        assert_parse_error("12abc", 2, "Unexpected 'abc' at position 2");
        assert_parse_error("1.2.3", 3, "Unexpected character '.' at position 3");
        assert_parse_error("appuser.", 8, "Expected a name after '.' at position 8");
        assert_parse_error("appuser..x", 8, "Expected a name after '.' at position 8");
        assert_parse_error(
            "appuser.a & appuser.b",
            10,
            "Unexpected character '&' at position 10",
        );
        assert_parse_error(
            "appuser.a | appuser.b",
            10,
            "Unexpected character '|' at position 10",
        );
        assert_parse_error("-1", 0, "Unexpected character '-' at position 0");
        assert_parse_error(
            "appuser.a = 'x'",
            10,
            "Unexpected character '=' at position 10 — use '==' to compare",
        );
        assert_parse_error(
            r#""bad \q escape""#,
            5,
            r"Invalid escape sequence '\q' at position 5",
        );
        assert_parse_error(
            "9".repeat(400).as_str(),
            0,
            "Number too large at position 0",
        );
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_parse_error(
            "'héllo wörld' + #",
            16,
            "Unexpected character '#' at position 16",
        );
        assert_parse_error(
            "'日本' + appuser.a +",
            18,
            "Unexpected end of expression at position 18",
        );
        assert_parse_error(
            "appuser.prénom",
            10,
            "Unexpected character 'é' at position 10",
        );
    }

    #[test]
    fn empty_expression() {
        for source in ["", "   ", "\n\t"] {
            let error = parse_error(source);
            assert_eq!(error.message, "Empty expression");
            assert_eq!(error.position, 0);
        }
    }

    #[test]
    fn arity_is_checked_when_parsing() {
        assert_parse_error(
            "String.toLowerCase()",
            0,
            "String.toLowerCase expects 1 argument, got 0 at position 0",
        );
        assert_parse_error(
            "'x' + String.toUpperCase('a', 'b')",
            6,
            "String.toUpperCase expects 1 argument, got 2 at position 6",
        );
        assert_parse_error(
            "String.substring(appuser.a, 1)",
            0,
            "String.substring expects 3 arguments, got 2 at position 0",
        );
        assert_parse_error(
            "String.substringBefore(appuser.email)",
            0,
            "String.substringBefore expects 2 arguments, got 1 at position 0",
        );
        assert_parse_error(
            "String.join()",
            0,
            "String.join expects at least 1 argument, got 0 at position 0",
        );
        assert_parse_error(
            "String.stringSwitch(appuser.a, 'default', 'key')",
            0,
            "String.stringSwitch expects an input, a default and key/value pairs \
             (an even number of arguments, at least 2), got 3 at position 0",
        );
        assert_parse_error(
            "String.stringSwitch(appuser.a)",
            0,
            "String.stringSwitch expects an input, a default and key/value pairs \
             (an even number of arguments, at least 2), got 1 at position 0",
        );
    }

    #[test]
    fn runtime_type_errors_carry_the_call_position() {
        assert_eval_error(
            "String.toLowerCase(42)",
            0,
            "String.toLowerCase expects a string as argument 1, got a number at position 0",
        );
        assert_eval_error(
            "'x' + String.toUpperCase(true)",
            6,
            "String.toUpperCase expects a string as argument 1, got a boolean at position 6",
        );
        assert_eval_error(
            "String.substring(appuser.email, '0', 3)",
            0,
            "String.substring expects a number as argument 2, got a string at position 0",
        );
        assert_eval_error(
            "String.len(String.len(appuser.email))",
            0,
            "String.len expects a string as argument 1, got a number at position 0",
        );
        assert_eval_error(
            "String.toLowerCase(String.stringContains(appuser.email, 1))",
            19,
            "String.stringContains expects a string as argument 2, got a number at position 19",
        );
        assert_eval_error(
            "String.join(1, 'a')",
            0,
            "String.join expects a string as argument 1, got a number at position 0",
        );
        // A type error is reported even when another argument is null.
        assert_eval_error(
            "String.replace(null, 'a', 1)",
            0,
            "String.replace expects a string as argument 3, got a number at position 0",
        );
        assert_eval_error(
            "true + 1",
            5,
            "Cannot add a boolean and a number at position 5",
        );
        assert_eval_error(
            "'a' == (true + true)",
            13,
            "Cannot add a boolean and a boolean at position 13",
        );
    }

    #[test]
    fn expr_error_is_an_error() {
        let error: Box<dyn std::error::Error> = Box::new(parse_error("#"));
        assert_eq!(error.to_string(), "Unexpected character '#' at position 0");
    }

    // --- Depth limits --------------------------------------------------------

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let source = format!("{}appuser.firstName{}", "(".repeat(64), ")".repeat(64));
        assert_eq!(eval(&source), s("Ada"));
        let source = format!("{}true", "!".repeat(64));
        assert_eq!(eval(&source), b(true));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let message = "Expression is nested too deeply (more than 64 levels) at position 64";
        let source = format!("{}1{}", "(".repeat(65), ")".repeat(65));
        assert_parse_error(&source, 64, message);
        assert_parse_error(&"(".repeat(4_000), 64, message);
        assert_parse_error(&format!("{}true", "!".repeat(4_000)), 64, message);
        let call = "String.len(";
        let source = format!("{}null{}", call.repeat(65), ")".repeat(65));
        let error = parse_error(&source);
        assert_eq!(error.position, 64 * call.chars().count());
        let source = "true ? 1 : ".repeat(300) + "2";
        assert_eq!(parse_error(&source).position, 64 * 11 + 5);
        // Longer input is refused by its length before it is read at all.
        let error = parse_error(&"(".repeat(100_000));
        assert_eq!(error.position, MAX_EXPRESSION_CHARS);
        assert!(error.message.contains("100000 characters long"), "{error}");
    }

    #[test]
    fn long_flat_chains_are_not_nesting() {
        let source = format!("{}appuser.firstName", "appuser.firstName + ".repeat(200));
        assert_eq!(eval(&source), s(&"Ada".repeat(201)));
        let source = vec!["true"; 400].join(" AND ");
        assert_eq!(eval(&source), b(true));
        let source = vec!["appuser.missing"; 200].join(" ?: ") + " ?: 'end'";
        assert_eq!(eval(&source), s("end"));
        let source = vec!["true"; 400].join(" == ");
        assert_eq!(eval(&source), b(true));
    }

    // --- Attributes read -----------------------------------------------------

    #[test]
    fn app_user_attributes_in_order_without_repeats() {
        let attrs = |source: &str| {
            Expr::parse(source)
                .map(|e| e.app_user_attributes())
                .unwrap_or_default()
        };
        assert_eq!(
            attrs(r#"appuser.firstName + " " + appuser.lastName"#),
            ["firstName", "lastName"]
        );
        assert_eq!(
            attrs("String.join(' ', source.lastName, appuser.firstName, appuser.lastName, user.login)"),
            ["lastName", "firstName"]
        );
        assert_eq!(
            attrs("!appuser.a ? (appuser.b == 'x' AND appuser.c < 3) : appuser.d ?: String.len(appuser.e) + 1"),
            ["a", "b", "c", "d", "e"]
        );
        assert!(attrs("user.login + 'x'").is_empty());
        assert!(attrs("'literal'").is_empty());
    }

    // --- Values --------------------------------------------------------------

    #[test]
    fn profile_strings() {
        assert_eq!(Value::Null.to_profile_string(), None);
        assert_eq!(b(true).to_profile_string().as_deref(), Some("true"));
        assert_eq!(s("x").to_profile_string().as_deref(), Some("x"));
        assert_eq!(n(3.0).to_profile_string().as_deref(), Some("3"));
        assert_eq!(n(-2.0).to_profile_string().as_deref(), Some("-2"));
        assert_eq!(n(-0.0).to_profile_string().as_deref(), Some("0"));
        assert_eq!(n(1.5).to_profile_string().as_deref(), Some("1.5"));
        assert_eq!(
            n(1e21).to_profile_string().as_deref(),
            Some("1000000000000000000000")
        );
        assert_eq!(eval("String.len('abc') + ''"), s("3"));
    }

    #[test]
    fn number_overflow_is_an_error_not_infinity() {
        let big = format!("1{}", "0".repeat(308));
        let error = eval_error(&format!("{big} + {big}"));
        assert_eq!(
            error.message,
            format!("Number out of range at position {}", big.len() + 1)
        );
    }

    // --- Robustness ----------------------------------------------------------

    #[test]
    fn arbitrary_input_never_panics() {
        // Random sequences of fragments (valid tokens, broken ones, odd characters),
        // from a fixed-seed linear congruential generator so failures reproduce.
        let fragments: Vec<&str> = "appuser.a source.b user.c ( ) + 'x' \"y\" ' \" \\ ? : ?: , == != < >= ! AND || \
             NOT null true 0 3.5 String.substring( String.join( String.stringSwitch( String.len( # é ."
            .split_whitespace()
            .collect();
        let scope = Attrs::app(&[("a", "héllo"), ("b", "")]);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap_or(0) % bound
        };
        for _ in 0..20_000 {
            let separator = if next(2) == 0 { " " } else { "" };
            let mut parts = Vec::new();
            for _ in 0..1 + next(12) {
                parts.push(
                    fragments
                        .get(next(fragments.len()))
                        .copied()
                        .unwrap_or_default(),
                );
            }
            let source = parts.join(separator);
            match Expr::parse(&source) {
                Ok(expr) => {
                    if let Err(error) = expr.eval(&scope) {
                        assert!(
                            error.position < source.chars().count(),
                            "{source:?}: {error}"
                        );
                    }
                    let _ = expr.app_user_attributes();
                }
                Err(error) => {
                    assert!(
                        error.position <= source.chars().count(),
                        "{source:?}: {error}"
                    );
                    assert!(
                        error.message.contains("at position")
                            || error.message == "Empty expression"
                    );
                }
            }
        }
    }

    #[test]
    fn a_value_that_would_grow_past_its_limit_is_refused_before_it_is_built() {
        let sixteen = "xxxxxxxxxxxxxxxx";
        let source = format!(
            "String.replace(String.replace(String.replace(appuser.a, 'x', '{sixteen}'), 'x', '{sixteen}'), 'x', '{sixteen}')"
        );
        let expr = Expr::parse(&source).unwrap();
        let e = expr.check_budget().unwrap_err();
        assert_eq!(
            e.message,
            "The value would be 512 KiB long, longer than the 64 KiB a mapping's value may be, at position 0"
        );
        let short = Attrs::app(&[("a", "xx")]);
        assert_eq!(expr.eval(&short).unwrap(), s(&"x".repeat(2 * 16 * 16 * 16)));
        let long = "x".repeat(100);
        let e = expr.eval(&Attrs::app(&[("a", &long)])).unwrap_err();
        assert!(
            e.message.starts_with("The value would be 400 KiB long"),
            "{e}"
        );

        let doubled = (0..20).fold("appuser.a".to_owned(), |inner, _| {
            format!("String.join('', {inner}, {inner})")
        });
        assert!(doubled.len() > MAX_EXPRESSION_CHARS);
        let e = Expr::parse(&doubled).unwrap_err();
        assert!(e.message.contains("at most 4096"), "{e}");
        // A long concatenation costs what it appends, not its running total.
        let concat = format!("appuser.a{}", " + appuser.a".repeat(300));
        assert_eq!(Expr::parse(&concat).unwrap().check_budget(), Ok(()));
    }

    #[test]
    fn ordinary_mappings_are_within_budget() {
        for source in [
            "appuser.firstName + ' ' + appuser.lastName",
            "String.replace(String.toLowerCase(appuser.email), '@example.com', '@example.org')",
            "String.join('.', appuser.a, appuser.b, appuser.c, appuser.d)",
            "appuser.department == 'Engineering' ? 'eng' : appuser.department ?: 'unassigned'",
        ] {
            assert_eq!(
                Expr::parse(source).unwrap().check_budget(),
                Ok(()),
                "{source}"
            );
        }
        // A type error on ordinary input is not the budget's to refuse.
        let typed = Expr::parse("String.substring(appuser.a, appuser.b, 2)").unwrap();
        assert_eq!(typed.check_budget(), Ok(()));
    }
}
