//! Recursive-descent parser from tokens to a syntax tree, with Python's operator precedence
//! (lowest first): comparisons (`==` `!=` `<` `<=` `>` `>=`), `|`, `^`, `&`, `<<` `>>`,
//! `+` `-`, `*` `/` `//` `%` `@`, unary `~` `-` `+`, `**`, then calls, attributes and
//! subscripts. Nothing is evaluated here.

use super::ParseError;
use super::lexer::{Tok, Token};

/// How deeply brackets, calls and unary operators may nest.
const MAX_NESTING: usize = 48;
/// How deep the syntax tree may get (long `a.b.c…` or `a + b + …` chains count).
const MAX_DEPTH: u32 = 128;

/// A byte range of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Span {
    pub(super) fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnOp {
    Invert,
    Neg,
    Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Xor,
    LShift,
    RShift,
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    MatMul,
    Pow,
}

impl BinOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            BinOp::Xor => "^",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::MatMul => "@",
            BinOp::Pow => "**",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// `&` chains and `|` chains are kept flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Logic {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Tuple(Vec<Node>),
    Attr(Box<Node>, String),
    Index(Box<Node>, Box<Node>),
    Call(Box<Node>, Vec<Arg>),
    Unary(UnOp, Box<Node>),
    /// The operator, its span, and the operands.
    Binary(BinOp, Span, Box<Node>, Box<Node>),
    Chain(Logic, Vec<Node>),
    Compare(Box<Node>, Vec<(CmpOp, Span, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) expr: Expr,
    pub(super) span: Span,
    depth: u32,
}

/// A call argument: positional, or `name=value`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Arg {
    pub(super) name: Option<(String, Span)>,
    pub(super) value: Node,
}

fn err(pos: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        message: message.into(),
    }
}

/// A hint for a Python keyword that has no place in a `qb` expression.
fn keyword_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "and" => {
            "`and` is not supported: combine conditions with `&` and parenthesise each comparison, e.g. (QB[\"a\"] == 1) & (QB[\"b\"] == 2)"
        }
        "or" => {
            "`or` is not supported: combine conditions with `|` and parenthesise each comparison, e.g. (QB[\"a\"] == 1) | (QB[\"b\"] == 2)"
        }
        "not" => "`not` is not supported: negate a condition with `~`, e.g. ~(QB[\"a\"] == 1)",
        "in" => "`in` is not supported: write QB[\"x\"].in_([...]) or QB[\"x\"] << [...]",
        "is" => "`is` is not supported: write QB[\"x\"].is_null() or QB[\"x\"] == value",
        "lambda" | "if" | "else" | "for" | "while" | "import" | "from" | "def" | "class"
        | "return" | "yield" | "await" | "async" | "del" | "global" | "nonlocal" | "pass"
        | "raise" | "try" | "except" | "finally" | "with" | "as" | "assert" | "break"
        | "continue" | "elif" => {
            "Python statements and keywords are not part of a query expression"
        }
        _ => return None,
    })
}

/// Parses the whole token list into one expression.
pub(super) fn parse(tokens: &[Token]) -> Result<Node, ParseError> {
    let mut parser = Parser {
        tokens,
        at: 0,
        nesting: 0,
    };
    let node = parser.expression()?;
    let next = parser.peek();
    if next.tok != Tok::Eof {
        return Err(parser.unexpected(next, "the end of the expression"));
    }
    Ok(node)
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
    nesting: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> &'t Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[self.at.min(last)]
    }

    fn peek_second(&self) -> &'t Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.at + 1).min(last)]
    }

    fn advance(&mut self) -> &'t Token {
        let token = self.peek();
        if token.tok != Tok::Eof {
            self.at += 1;
        }
        token
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek().tok, Tok::Op(o) if o == op)
    }

    fn eat_op(&mut self, op: &str) -> Option<&'t Token> {
        if self.is_op(op) {
            Some(self.advance())
        } else {
            None
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<&'t Token, ParseError> {
        match self.eat_op(op) {
            Some(token) => Ok(token),
            None => Err(self.unexpected(self.peek(), &format!("`{op}`"))),
        }
    }

    fn unexpected(&self, token: &Token, expected: &str) -> ParseError {
        if let Tok::Name(name) = &token.tok
            && let Some(hint) = keyword_hint(name)
        {
            return err(token.start, hint);
        }
        match token.tok {
            Tok::Op("{") => err(token.start, "dict and set literals are not supported"),
            Tok::Op(":") if expected == "`]`" => err(token.start, "slices are not supported"),
            Tok::Op("=") => err(
                token.start,
                "unexpected `=`: compare with `==` (keyword arguments go inside a call)",
            ),
            _ => err(
                token.start,
                format!("expected {expected}, found {}", token.tok.describe()),
            ),
        }
    }

    fn node(&self, expr: Expr, span: Span) -> Result<Node, ParseError> {
        let children = match &expr {
            Expr::Name(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => 0,
            Expr::List(items) | Expr::Tuple(items) | Expr::Chain(_, items) => {
                items.iter().map(|n| n.depth).max().unwrap_or(0)
            }
            Expr::Attr(inner, _) | Expr::Unary(_, inner) => inner.depth,
            Expr::Index(a, b) | Expr::Binary(_, _, a, b) => a.depth.max(b.depth),
            Expr::Call(callee, args) => args
                .iter()
                .map(|a| a.value.depth)
                .max()
                .unwrap_or(0)
                .max(callee.depth),
            Expr::Compare(first, rest) => rest
                .iter()
                .map(|(_, _, n)| n.depth)
                .max()
                .unwrap_or(0)
                .max(first.depth),
        };
        let depth = children + 1;
        if depth > MAX_DEPTH {
            return Err(err(span.start, "expression is nested too deeply"));
        }
        Ok(Node { expr, span, depth })
    }

    fn enter(&mut self, at: usize) -> Result<(), ParseError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(err(at, "expression is nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// comparison: bitor (cmp_op bitor)*
    fn expression(&mut self) -> Result<Node, ParseError> {
        let first = self.bit_or()?;
        let mut rest = Vec::new();
        loop {
            let token = self.peek();
            let op = match &token.tok {
                Tok::Op("==") => CmpOp::Eq,
                Tok::Op("!=") => CmpOp::Ne,
                Tok::Op("<") => CmpOp::Lt,
                Tok::Op("<=") => CmpOp::Le,
                Tok::Op(">") => CmpOp::Gt,
                Tok::Op(">=") => CmpOp::Ge,
                Tok::Name(name) if name == "in" || name == "is" => {
                    return Err(self.unexpected(token, ""));
                }
                Tok::Name(name)
                    if name == "not"
                        && matches!(&self.peek_second().tok, Tok::Name(n) if n == "in") =>
                {
                    return Err(err(
                        token.start,
                        "`not in` is not supported: write QB[\"x\"].not_in([...])",
                    ));
                }
                _ => break,
            };
            self.advance();
            let op_span = Span {
                start: token.start,
                end: token.end,
            };
            rest.push((op, op_span, self.bit_or()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        let span = first
            .span
            .to(rest.last().map_or(first.span, |(_, _, n)| n.span));
        self.node(Expr::Compare(Box::new(first), rest), span)
    }

    fn chain(
        &mut self,
        op: &str,
        logic: Logic,
        next: fn(&mut Self) -> Result<Node, ParseError>,
    ) -> Result<Node, ParseError> {
        let first = next(self)?;
        if !self.is_op(op) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(op).is_some() {
            items.push(next(self)?);
        }
        let span = items[0].span.to(items[items.len() - 1].span);
        self.node(Expr::Chain(logic, items), span)
    }

    fn bit_or(&mut self) -> Result<Node, ParseError> {
        self.chain("|", Logic::Or, Self::bit_xor)
    }

    fn bit_xor(&mut self) -> Result<Node, ParseError> {
        self.binary(&[("^", BinOp::Xor)], Self::bit_and)
    }

    fn bit_and(&mut self) -> Result<Node, ParseError> {
        self.chain("&", Logic::And, Self::shift)
    }

    fn shift(&mut self) -> Result<Node, ParseError> {
        self.binary(&[("<<", BinOp::LShift), (">>", BinOp::RShift)], Self::arith)
    }

    fn arith(&mut self) -> Result<Node, ParseError> {
        self.binary(&[("+", BinOp::Add), ("-", BinOp::Sub)], Self::term)
    }

    fn term(&mut self) -> Result<Node, ParseError> {
        self.binary(
            &[
                ("*", BinOp::Mul),
                ("/", BinOp::Div),
                ("//", BinOp::FloorDiv),
                ("%", BinOp::Mod),
                ("@", BinOp::MatMul),
            ],
            Self::unary,
        )
    }

    /// Left-associative binary operators of one precedence level.
    fn binary(
        &mut self,
        ops: &[(&str, BinOp)],
        next: fn(&mut Self) -> Result<Node, ParseError>,
    ) -> Result<Node, ParseError> {
        let mut left = next(self)?;
        while let Some(op) = ops.iter().find(|(s, _)| self.is_op(s)).map(|(_, op)| *op) {
            let token = self.advance();
            let op_span = Span {
                start: token.start,
                end: token.end,
            };
            let right = next(self)?;
            let span = left.span.to(right.span);
            left = self.node(
                Expr::Binary(op, op_span, Box::new(left), Box::new(right)),
                span,
            )?;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        let token = self.peek();
        let op = match token.tok {
            Tok::Op("~") => UnOp::Invert,
            Tok::Op("-") => UnOp::Neg,
            Tok::Op("+") => UnOp::Pos,
            _ => return self.power(),
        };
        self.advance();
        self.enter(token.start)?;
        let inner = self.unary();
        self.leave();
        let inner = inner?;
        let span = Span {
            start: token.start,
            end: inner.span.end,
        };
        self.node(Expr::Unary(op, Box::new(inner)), span)
    }

    /// power: primary ('**' unary)?
    fn power(&mut self) -> Result<Node, ParseError> {
        let base = self.primary()?;
        let Some(token) = self.eat_op("**") else {
            return Ok(base);
        };
        let op_span = Span {
            start: token.start,
            end: token.end,
        };
        let exponent = self.unary()?;
        let span = base.span.to(exponent.span);
        self.node(
            Expr::Binary(BinOp::Pow, op_span, Box::new(base), Box::new(exponent)),
            span,
        )
    }

    /// primary: atom ( '.' NAME | '[' expr ']' | '(' args ')' )*
    fn primary(&mut self) -> Result<Node, ParseError> {
        let mut node = self.atom()?;
        loop {
            let token = self.peek();
            match token.tok {
                Tok::Op(".") => {
                    self.advance();
                    let name_token = self.advance();
                    let Tok::Name(name) = &name_token.tok else {
                        return Err(self.unexpected(name_token, "a method or field name after `.`"));
                    };
                    let span = node.span.to(Span {
                        start: name_token.start,
                        end: name_token.end,
                    });
                    node = self.node(Expr::Attr(Box::new(node), name.clone()), span)?;
                }
                Tok::Op("[") => {
                    self.advance();
                    self.enter(token.start)?;
                    let index = self.expression();
                    self.leave();
                    let index = index?;
                    if self.is_op(",") {
                        return Err(err(self.peek().start, "a subscript takes one key"));
                    }
                    let close = self.expect_op("]")?;
                    let span = node.span.to(Span {
                        start: close.start,
                        end: close.end,
                    });
                    node = self.node(Expr::Index(Box::new(node), Box::new(index)), span)?;
                }
                Tok::Op("(") => {
                    self.advance();
                    self.enter(token.start)?;
                    let args = self.arguments();
                    self.leave();
                    let (args, close) = args?;
                    let span = node.span.to(close);
                    node = self.node(Expr::Call(Box::new(node), args), span)?;
                }
                _ => return Ok(node),
            }
        }
    }

    /// Call arguments after `(`, through `)`.
    fn arguments(&mut self) -> Result<(Vec<Arg>, Span), ParseError> {
        let mut args: Vec<Arg> = Vec::new();
        loop {
            if let Some(close) = self.eat_op(")") {
                return Ok((
                    args,
                    Span {
                        start: close.start,
                        end: close.end,
                    },
                ));
            }
            let token = self.peek();
            if matches!(token.tok, Tok::Op("*" | "**")) {
                return Err(err(token.start, "`*` and `**` arguments are not supported"));
            }
            let keyword = match (&token.tok, &self.peek_second().tok) {
                (Tok::Name(name), Tok::Op("=")) => {
                    self.advance();
                    self.advance();
                    Some((
                        name.clone(),
                        Span {
                            start: token.start,
                            end: token.end,
                        },
                    ))
                }
                _ => None,
            };
            if keyword.is_none() && args.iter().any(|a| a.name.is_some()) {
                return Err(err(
                    token.start,
                    "a positional argument cannot follow a keyword argument",
                ));
            }
            let value = self.expression()?;
            args.push(Arg {
                name: keyword,
                value,
            });
            if self.eat_op(",").is_none() && !self.is_op(")") {
                return Err(self.unexpected(self.peek(), "`,` or `)`"));
            }
        }
    }

    /// Comma-separated expressions up to `close`; returns them, whether a comma was seen, and
    /// the closing token's span.
    fn sequence(&mut self, close: &str) -> Result<(Vec<Node>, bool, Span), ParseError> {
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            if let Some(end) = self.eat_op(close) {
                return Ok((
                    items,
                    comma,
                    Span {
                        start: end.start,
                        end: end.end,
                    },
                ));
            }
            items.push(self.expression()?);
            if self.eat_op(",").is_some() {
                comma = true;
            } else if !self.is_op(close) {
                return Err(self.unexpected(self.peek(), &format!("`,` or `{close}`")));
            }
        }
    }

    fn atom(&mut self) -> Result<Node, ParseError> {
        let token = self.advance();
        let span = Span {
            start: token.start,
            end: token.end,
        };
        match &token.tok {
            Tok::Int(i) => self.node(Expr::Int(*i), span),
            Tok::Float(f) => self.node(Expr::Float(*f), span),
            Tok::Str(first) => {
                // Adjacent string literals concatenate, as in Python.
                let mut text = first.clone();
                let mut end = span;
                while let Tok::Str(next) = &self.peek().tok {
                    let next_token = self.advance();
                    text.push_str(next);
                    end = Span {
                        start: next_token.start,
                        end: next_token.end,
                    };
                }
                self.node(Expr::Str(text), span.to(end))
            }
            Tok::Name(name) => {
                if let Some(hint) = keyword_hint(name) {
                    return Err(err(token.start, hint));
                }
                self.node(Expr::Name(name.clone()), span)
            }
            Tok::Op("(") => {
                self.enter(token.start)?;
                let inner = self.sequence(")");
                self.leave();
                let (mut items, comma, close) = inner?;
                let whole = span.to(close);
                if items.len() == 1 && !comma {
                    let mut inner = items.remove(0);
                    inner.span = whole;
                    Ok(inner)
                } else {
                    self.node(Expr::Tuple(items), whole)
                }
            }
            Tok::Op("[") => {
                self.enter(token.start)?;
                let inner = self.sequence("]");
                self.leave();
                let (items, _, close) = inner?;
                self.node(Expr::List(items), span.to(close))
            }
            _ => Err(self.unexpected(token, "a value, `QB`, `(` or `[`")),
        }
    }
}
