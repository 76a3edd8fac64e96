//! Tokens of the `qb` expression language (a small subset of Python's lexical grammar).

use super::ParseError;

/// One token's kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// Punctuation and operators (`==`, `(`, `&`, …).
    Op(&'static str),
    Eof,
}

/// A token and the byte range it covers.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Tok {
    /// How the token reads in a message.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Name(name) => format!("`{name}`"),
            Tok::Int(i) => format!("number {i}"),
            Tok::Float(f) => format!("number {f}"),
            Tok::Str(_) => "a string".to_owned(),
            Tok::Op(op) => format!("`{op}`"),
            Tok::Eof => "the end of the expression".to_owned(),
        }
    }
}

/// Operators, longest first so `==` wins over `=`.
const OPERATORS: &[&str] = &[
    "**", "//", "==", "!=", ">=", "<=", "<<", ">>", "->", ":=", "(", ")", "[", "]", "{", "}", ",",
    ".", ":", "=", "<", ">", "&", "|", "~", "^", "%", "+", "-", "*", "/", "@", ";",
];

fn err(pos: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        message: message.into(),
    }
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let done = token.tok == Tok::Eof;
        tokens.push(token);
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\n' | '\r' | '\x0c') => {
                    self.bump();
                }
                Some('\\') if matches!(self.peek_at(1), Some('\n')) => {
                    self.pos += 2;
                }
                Some('\\') if self.rest().starts_with("\\\r\n") => {
                    self.pos += 3;
                }
                Some('#') => {
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_blank();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let tok = if c == '"' || c == '\'' {
            self.string(start, false)?
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.number(start)?
        } else if is_name_start(c) {
            while self.peek().is_some_and(is_name_char) {
                self.bump();
            }
            let name = &self.src[start..self.pos];
            if matches!(self.peek(), Some('"' | '\'')) {
                let prefix = name.to_ascii_lowercase();
                match prefix.as_str() {
                    "r" => self.string(start, true)?,
                    "u" => self.string(start, false)?,
                    _ if prefix.len() <= 2 && prefix.contains('b') => {
                        return Err(err(start, "byte strings are not supported"));
                    }
                    _ if prefix.len() <= 2 && prefix.contains('f') => {
                        return Err(err(start, "f-strings are not supported"));
                    }
                    _ => Tok::Name(name.to_owned()),
                }
            } else {
                Tok::Name(name.to_owned())
            }
        } else if let Some(op) = OPERATORS.iter().find(|op| self.rest().starts_with(**op)) {
            self.pos += op.len();
            Tok::Op(op)
        } else if c == '!' {
            return Err(err(start, "unexpected `!`: negate a condition with `~`"));
        } else {
            return Err(err(start, format!("unexpected character `{c}`")));
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// A number: decimal, `0x`/`0o`/`0b` integers, floats with `.` and/or an exponent;
    /// underscores between digits.
    fn number(&mut self, start: usize) -> Result<Tok, ParseError> {
        let radix = match (self.peek(), self.peek_at(1).map(|c| c.to_ascii_lowercase())) {
            (Some('0'), Some('x')) => Some(16),
            (Some('0'), Some('o')) => Some(8),
            (Some('0'), Some('b')) => Some(2),
            _ => None,
        };
        if let Some(radix) = radix {
            self.pos += 2;
            let digits_start = self.pos;
            while self
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                self.bump();
            }
            let digits = self.src[digits_start..self.pos].replace('_', "");
            return match i64::from_str_radix(&digits, radix) {
                Ok(value) if !digits.is_empty() && !digits.starts_with(['+', '-']) => {
                    Ok(Tok::Int(value))
                }
                Err(e) if matches!(e.kind(), std::num::IntErrorKind::PosOverflow) => Err(err(
                    start,
                    "integer literal is too large (at most 9223372036854775807)",
                )),
                _ => Err(err(start, "invalid number literal")),
            };
        }
        let mut is_float = false;
        self.digits();
        if self.peek() == Some('.') {
            is_float = true;
            self.bump();
            self.digits();
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                self.digits();
            } else {
                self.pos = save;
            }
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            return Err(err(start, "complex numbers are not supported"));
        }
        if self.peek().is_some_and(is_name_char) {
            return Err(err(start, "invalid number literal"));
        }
        let text = &self.src[start..self.pos];
        if text.contains("__") || text.ends_with('_') || text.contains("_.") || text.contains("._")
        {
            return Err(err(start, "invalid number literal (misplaced `_`)"));
        }
        let clean = text.replace('_', "");
        if is_float {
            match clean.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Tok::Float(f)),
                _ => Err(err(start, "float literal is out of range")),
            }
        } else {
            if clean.len() > 1 && clean.starts_with('0') && clean.bytes().any(|b| b != b'0') {
                return Err(err(
                    start,
                    "leading zeros are not allowed in integer literals (use 0o for octal)",
                ));
            }
            clean.parse::<i64>().map(Tok::Int).map_err(|_| {
                err(
                    start,
                    "integer literal is too large (at most 9223372036854775807)",
                )
            })
        }
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '_') {
            self.bump();
        }
    }

    /// A string literal at the current position (after any prefix).
    fn string(&mut self, start: usize, raw: bool) -> Result<Tok, ParseError> {
        let Some(quote) = self.bump() else {
            return Err(err(start, "unterminated string"));
        };
        let triple = self.peek() == Some(quote) && self.peek_at(1) == Some(quote);
        if triple {
            self.pos += 2;
        }
        let mut out = String::new();
        loop {
            let here = self.pos;
            let Some(c) = self.bump() else {
                return Err(err(start, "unterminated string"));
            };
            if c == quote {
                if !triple {
                    return Ok(Tok::Str(out));
                }
                if self.peek() == Some(quote) && self.peek_at(1) == Some(quote) {
                    self.pos += 2;
                    return Ok(Tok::Str(out));
                }
                out.push(c);
                continue;
            }
            match c {
                '\n' if !triple => {
                    return Err(err(start, "unterminated string (a newline ends the line)"));
                }
                '\\' if raw => {
                    out.push('\\');
                    if let Some(next) = self.bump() {
                        out.push(next);
                    }
                }
                '\\' => self.escape(here, &mut out)?,
                _ => out.push(c),
            }
        }
    }

    /// One escape sequence after a backslash at `at` (Python rules; unknown escapes keep the
    /// backslash, so `"\d+"` stays a regex).
    fn escape(&mut self, at: usize, out: &mut String) -> Result<(), ParseError> {
        let Some(c) = self.bump() else {
            return Err(err(at, "unterminated string"));
        };
        let simple = match c {
            '\n' => return Ok(()),
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            return Ok(());
        }
        let mut read_hex = |n: usize| -> Result<char, ParseError> {
            let digits: String = self.rest().chars().take(n).collect();
            if digits.len() != n || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
                return Err(err(
                    at,
                    format!("invalid `\\{c}` escape: expected {n} hex digits"),
                ));
            }
            self.pos += n;
            u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    err(
                        at,
                        format!("invalid `\\{c}` escape: not a Unicode scalar value"),
                    )
                })
        };
        match c {
            'x' => out.push(read_hex(2)?),
            'u' => out.push(read_hex(4)?),
            'U' => out.push(read_hex(8)?),
            'N' => return Err(err(at, "`\\N{...}` escapes are not supported")),
            '0'..='7' => {
                let mut value = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.bump();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn error(src: &str) -> ParseError {
        tokenize(src).unwrap_err()
    }

    #[test]
    fn operators_names_and_numbers() {
        assert_eq!(
            toks("QB[\"a\"] >= 1_000 & ~x.y(2.5e1, .5, 0x1F) << [] # comment"),
            vec![
                Tok::Name("QB".into()),
                Tok::Op("["),
                Tok::Str("a".into()),
                Tok::Op("]"),
                Tok::Op(">="),
                Tok::Int(1000),
                Tok::Op("&"),
                Tok::Op("~"),
                Tok::Name("x".into()),
                Tok::Op("."),
                Tok::Name("y".into()),
                Tok::Op("("),
                Tok::Float(25.0),
                Tok::Op(","),
                Tok::Float(0.5),
                Tok::Op(","),
                Tok::Int(31),
                Tok::Op(")"),
                Tok::Op("<<"),
                Tok::Op("["),
                Tok::Op("]"),
                Tok::Eof,
            ]
        );
        assert_eq!(
            toks("1. 0 00 0b101 0o17"),
            vec![
                Tok::Float(1.0),
                Tok::Int(0),
                Tok::Int(0),
                Tok::Int(5),
                Tok::Int(15),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("9223372036854775807"),
            vec![Tok::Int(i64::MAX), Tok::Eof]
        );
    }

    #[test]
    fn strings_follow_python_escapes() {
        assert_eq!(
            toks(r#"'a\'b' "c\"d" "\x41\u00e9\n\t\\" '\d+' r'\d\'' u"x" """tri"ple""""#),
            vec![
                Tok::Str("a'b".into()),
                Tok::Str("c\"d".into()),
                Tok::Str("Aé\n\t\\".into()),
                Tok::Str("\\d+".into()),
                Tok::Str("\\d\\'".into()),
                Tok::Str("x".into()),
                Tok::Str("tri\"ple".into()),
                Tok::Eof,
            ]
        );
        assert_eq!(toks(r#""\101\0""#), vec![Tok::Str("A\0".into()), Tok::Eof]);
    }

    #[test]
    fn lexical_errors_have_positions() {
        for (src, pos, message) in [
            ("QB['a", 3, "unterminated string"),
            ("QB[\"a\n\"]", 3, "unterminated string"),
            ("x $ y", 2, "unexpected character `$`"),
            ("!x", 0, "`~`"),
            ("99999999999999999999", 0, "too large"),
            ("1e999", 0, "out of range"),
            ("012", 0, "leading zeros"),
            ("1abc", 0, "invalid number"),
            ("3j", 0, "complex"),
            ("b'x'", 0, "byte strings"),
            ("f'{x}'", 0, "f-strings"),
            ("'\\x4'", 1, "hex digits"),
            ("'\\ud800'", 1, "Unicode scalar"),
            ("'\\N{DASH}'", 1, "not supported"),
            ("1__0", 0, "misplaced"),
            ("0x", 0, "invalid number"),
        ] {
            let e = error(src);
            assert_eq!(e.pos, pos, "{src}: {e:?}");
            assert!(e.message.contains(message), "{src}: {e:?}");
        }
    }
}
