"""Safe one-variable maths expressions for function graphs.

The expression comes from the model, so it is never given to ``eval``: it is parsed with
``ast`` and only numbers, ``x``, the constants pi / e / tau, + - * / ** % and calls
to a fixed list of math functions are accepted; the tree is then turned into a chain
of closures. ``^`` is read as a power, since that is how people write it.
"""
from __future__ import annotations

import ast
import math
import operator
from typing import Callable

MAX_LENGTH = 300
MAX_NODES = 200

Evaluator = Callable[[float], float]

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: math.pow,
    ast.Mod: math.fmod,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    name: getattr(math, name)
    for name in (
        "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
        "exp", "log", "log10", "log2", "sqrt", "floor", "ceil", "hypot",
    )
}
_FUNCTIONS.update(abs=abs, min=min, max=max, ln=math.log)


class ExpressionError(ValueError):
    pass


def compile_expression(source: str) -> Evaluator:
    """Turn ``source`` (in the variable ``x``) into a function; raise ExpressionError
    naming what is not allowed."""
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"expression has more than {MAX_NODES} parts")
    return _build(tree.body)


def _build(node: ast.AST) -> Evaluator:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = float(node.value)
        return lambda x: value
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x: x
        if node.id in _CONSTANTS:
            constant = _CONSTANTS[node.id]
            return lambda x: constant
        raise ExpressionError(f"unknown name '{node.id}' (use x, pi, e, tau)")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op, left, right = _BINARY[type(node.op)], _build(node.left), _build(node.right)
        return lambda x: op(left(x), right(x))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        unary, operand = _UNARY[type(node.op)], _build(node.operand)
        return lambda x: unary(operand(x))
    if isinstance(node, ast.Call):
        return _build_call(node)
    raise ExpressionError(f"'{ast.unparse(node)[:40]}' is not allowed in an expression")


def _build_call(node: ast.Call) -> Evaluator:
    if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
        allowed = ", ".join(sorted(_FUNCTIONS))
        raise ExpressionError(f"'{ast.unparse(node.func)[:40]}' is not an allowed function ({allowed})")
    function = _FUNCTIONS[node.func.id]
    args = [_build(a) for a in node.args]
    return lambda x: function(*(a(x) for a in args))


def evaluate(function: Evaluator, x: float) -> float | None:
    """The value at ``x``, or None where the function is undefined or not finite."""
    try:
        y = float(function(x))
    except (ArithmeticError, ValueError, TypeError):
        return None
    return y if math.isfinite(y) else None
