// A tiny evaluator of arithmetic expressions (+ − × ÷ * /, parentheses, unary minus) for checking written steps.
using System.Globalization;

namespace Hybrid.Algorithms.Rewards.Process;

/// <summary>
/// Recursive descent over the grammar expr := term (('+'|'-') term)*; term := factor (('*'|'×'|'/'|'÷') factor)*;
/// factor := ('+'|'-') factor | number | '(' expr ')'. Numbers are decimal (<c>12</c>, <c>3.5</c>, <c>.5</c>).
/// Division by zero evaluates to ±∞/NaN (a written step "1/0=5" is then simply wrong), never throws.
/// </summary>
public static class ArithmeticExpression
{
    /// <summary>Evaluates <paramref name="text"/>; false when it is not a complete expression of the grammar.</summary>
    public static bool TryEvaluate(string text, out double value)
    {
        var parser = new Parser(text);
        value = 0;
        if (!parser.Expression(out value)) return false;
        parser.SkipBlanks();
        return parser.AtEnd;
    }

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        private int _at;

        public readonly bool AtEnd => _at >= _text.Length;

        public void SkipBlanks()
        {
            while (_at < _text.Length && char.IsWhiteSpace(_text[_at])) _at++;
        }

        private char Peek()
        {
            SkipBlanks();
            return _at < _text.Length ? _text[_at] : '\0';
        }

        public bool Expression(out double value)
        {
            if (!Term(out value)) return false;
            for (char op = Peek(); op is '+' or '-' or '−'; op = Peek())
            {
                _at++;
                if (!Term(out double right)) return false;
                value = op == '+' ? value + right : value - right;
            }
            return true;
        }

        private bool Term(out double value)
        {
            if (!Factor(out value)) return false;
            for (char op = Peek(); op is '*' or '×' or '/' or '÷'; op = Peek())
            {
                _at++;
                if (!Factor(out double right)) return false;
                value = op is '*' or '×' ? value * right : value / right;
            }
            return true;
        }

        private bool Factor(out double value)
        {
            value = 0;
            char c = Peek();
            if (c is '+' or '-' or '−')
            {
                _at++;
                if (!Factor(out double inner)) return false;
                value = c == '+' ? inner : -inner;
                return true;
            }
            if (c == '(')
            {
                _at++;
                if (!Expression(out value) || Peek() != ')') return false;
                _at++;
                return true;
            }
            int start = _at;
            while (_at < _text.Length && char.IsAsciiDigit(_text[_at])) _at++;
            if (_at < _text.Length && _text[_at] == '.')
            {
                _at++;
                int fraction = _at;
                while (_at < _text.Length && char.IsAsciiDigit(_text[_at])) _at++;
                if (_at == fraction) return false;
            }
            return _at > start && double.TryParse(_text.AsSpan(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }
}
