"""Reading operators written as text, such as `"2.0 * X0 Z3 - 0.5 * Y1 Y2"`.

Grammar (whitespace is ignored; juxtaposed factors multiply):

    expression := term (("+" | "-") term)*
    term       := factor (["*"] factor)*
    factor     := ("+" | "-") factor | number | pauli | "(" expression ")"
    number     := a Python float or imaginary literal: 2, 0.5, 1e-3, 2j
    pauli      := X<site> | Y<site> | Z<site> | I<site> | I

Numbers must be finite in float64, and parentheses and signs may nest `MAX_DEPTH` deep.
"""

import math
import re

from kerasnqs.operators import pauli_strings, term_algebra

MAX_DEPTH = 100
"""The deepest nesting of parentheses and unary signs `parse_expression` reads."""

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[jJ]?)"
    r"|(?P<pauli>[A-Za-z]+\d*)"
    r"|(?P<symbol>[-+*()])"
    r")"
)


def parse_expression(text, n_sites):
    """Returns the terms dict of an operator written as text.

    Args:
        text: the expression, for example `"2.0 * X0 Z3 - 0.5 * Y1 Y2 + 1"`.
        n_sites: the number of sites; every site index must be below it.

    Returns:
        A dict `{key: coefficient}` (see `kerasnqs.operators.term_algebra`).

    Example:

    >>> parse_expression("X0 * Y0 + 2", n_sites=1)
    {((0, 'Z'),): 1j, (): (2+0j)}
    """
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a str such as '2.0 * X0 Z3', got {text!r}.")
    parser = _Parser(_tokenize(text), text, n_sites)
    terms = parser.expression()
    if parser.peek() is not None:
        parser.fail("unexpected")
    return terms


def _tokenize(text):
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            bad = text[position:].strip()[:1]
            raise ValueError(f"`text`: unexpected character {bad!r} in {text!r}.")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    """A recursive-descent parser over the token list; one method per grammar rule."""

    def __init__(self, tokens, text, n_sites):
        self.tokens, self.text, self.n_sites = tokens, text, n_sites
        self.position = 0
        self.depth = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next(self):
        token = self.peek()
        if token is None:
            raise ValueError(f"`text`: the expression {self.text!r} ends too early.")
        self.position += 1
        return token

    def fail(self, what):
        kind, value, start = self.peek()
        raise ValueError(f"`text`: {what} {value!r} at position {start} in {self.text!r}.")

    def at_symbol(self, *symbols):
        token = self.peek()
        return token is not None and token[0] == "symbol" and token[1] in symbols

    def starts_factor(self):
        token = self.peek()
        return token is not None and (token[0] != "symbol" or token[1] == "(")

    def expression(self):
        terms = self.term()
        while self.at_symbol("+", "-"):
            sign = 1 if self.next()[1] == "+" else -1
            terms = term_algebra.add(terms, term_algebra.scale(self.term(), sign))
        return terms

    def term(self):
        terms = self.factor()
        while self.at_symbol("*") or self.starts_factor():
            if self.at_symbol("*"):
                self.next()
            terms = term_algebra.product(terms, self.factor())
        return terms

    def factor(self):
        kind, value, start = self.next()
        if kind == "symbol" and value in "+-(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ValueError(
                    f"`text`: parentheses and signs nest deeper than the limit of {MAX_DEPTH} "
                    f"at position {start}."
                )
            terms = self.nested(value)
            self.depth -= 1
            return terms
        if kind == "number":
            number = complex(value)
            if not (math.isfinite(number.real) and math.isfinite(number.imag)):
                raise ValueError(
                    f"`text`: the number {value!r} at position {start} is not finite in float64."
                )
            return term_algebra.identity(number)
        if kind == "pauli":
            return self.pauli(value)
        raise ValueError(f"`text`: unexpected {value!r} at position {start} in {self.text!r}.")

    def nested(self, symbol):
        """The factor after a unary sign, or the expression in parentheses after `(`."""
        if symbol in "+-":
            return term_algebra.scale(self.factor(), 1 if symbol == "+" else -1)
        terms = self.expression()
        if self.peek() is None:
            raise ValueError(f"`text`: a ')' is missing at the end of {self.text!r}.")
        if not self.at_symbol(")"):
            self.fail("expected ')' but found")
        self.next()
        return terms

    def pauli(self, value):
        if value == "I":
            return term_algebra.identity()
        phase, key = pauli_strings.parse_label(value, self.n_sites, argument="text")
        return {key: complex(phase)}
