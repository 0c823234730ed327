// The base of every run-settings record: one way to refuse a bad field, naming the record, the field, the value and the fix.

namespace Hybrid.Training.Loop;

/// <summary>
/// Base of <see cref="TrainingArguments"/> and the online trainers' configs. Their <c>Validate</c> methods call
/// <see cref="Require"/>, whose message "<c>{Record}.{field} = {value}: {fix}</c>" the CLI rewrites as the flag the user gave.
/// </summary>
public abstract record RunSettings
{
    /// <summary>Throws "<c>{Record}.{field} = {value}: {fix}</c>" as an <see cref="ArgumentException"/> unless <paramref name="ok"/>.</summary>
    protected void Require(bool ok, string field, object? value, string fix)
    {
        if (!ok) throw new ArgumentException($"{GetType().Name}.{field} = {value}: {fix}");
    }
}
