// The words of the arithmetic word problems: people, items, and one short sentence template per operation.

namespace Hybrid.Training.Tasks.WordProblems;

/// <summary>
/// Short, fixed English: a person and an item open the story ("Ann has 7 apples."), each operation is one sentence
/// naming its number ("She buys 5 more.", "She gives 3 to Tom."), and the question asks for the final count. The
/// vocabulary is small on purpose so a model of a few million parameters learns to read it; every character is ASCII.
/// </summary>
internal static class WordProblemTemplates
{
    /// <summary>People: a name and its subject and object pronouns.</summary>
    public static readonly (string Name, string Subject, string Object)[] People =
    [
        ("Ann", "She", "her"), ("Ben", "He", "him"), ("Tom", "He", "him"), ("Mia", "She", "her"),
        ("Sam", "He", "him"), ("Lily", "She", "her"), ("Max", "He", "him"), ("Zoe", "She", "her"),
        ("Leo", "He", "him"), ("Eva", "She", "her"), ("Jack", "He", "him"), ("Nora", "She", "her"),
    ];

    /// <summary>Countable things, plural.</summary>
    public static readonly string[] Items =
        ["apples", "coins", "books", "eggs", "pens", "cards", "shells", "stickers", "marbles", "cookies", "stamps", "beads"];

    /// <summary>
    /// Sentences per operation; {P} is the subject pronoun, {O} the object pronoun, {F} a friend's name, {N} the number.
    /// Each sentence means exactly one operation on the running count.
    /// </summary>
    public static IReadOnlyList<string> Sentences(char op) => op switch
    {
        '+' => ["{P} buys {N} more.", "{F} gives {O} {N} more.", "{P} finds {N} more."],
        '-' => ["{P} gives {N} to {F}.", "{P} loses {N}.", "{P} sells {N}."],
        '*' => ["{P} ends up with {N} times as many."],
        '/' => ["{P} splits them into {N} equal piles and keeps one pile."],
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "operations are + - * /"),
    };

    /// <summary>The opening sentence, e.g. "Ann has 7 apples."</summary>
    public static string Opening(string name, int start, string items) => $"{name} has {start} {items}.";

    /// <summary>The question, e.g. "How many apples does Ann have now?"</summary>
    public static string Question(string name, string items) => $"How many {items} does {name} have now?";
}
