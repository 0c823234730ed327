// Prepares a preference dataset for a loss: read, convert to the loss's shape, tokenize, attach KTO's mismatched pairs.
using Hybrid.Data;
using Hybrid.Algorithms.Preference;
using Hybrid.Training.Data;

namespace Hybrid.Training.Preference;

public static class PreferenceRows
{
    /// <summary>The example kind a loss reads.</summary>
    public static PreferenceExampleKind KindOf(PreferenceDataKind kind) => kind switch
    {
        PreferenceDataKind.Paired => PreferenceExampleKind.Paired,
        PreferenceDataKind.Unpaired => PreferenceExampleKind.Unpaired,
        _ => PreferenceExampleKind.Ranked,
    };

    /// <summary>
    /// Training rows for <paramref name="loss"/>: every row of <paramref name="path"/> read, converted to the loss's shape
    /// (<see cref="PreferenceTokenizer.Convert"/>), tokenized, with KTO's KL completions attached. Scores must be on every
    /// pair or on none; rankings must share one K. Throws <see cref="DatasetException"/> naming the file, line and field.
    /// </summary>
    public static List<TokenizedPreference> ForTraining(string path, IPreferenceLoss loss, PreferenceTokenizer tokenizer)
    {
        PreferenceExampleKind kind = KindOf(loss.DataKind);
        List<TokenizedPreference> rows = PreferenceTokenizer.Convert(PreferenceDatasetReader.Read(path), kind).Select(tokenizer.Tokenize).ToList();
        CheckConsistent(rows);
        return kind == PreferenceExampleKind.Unpaired ? PreferenceTokenizer.AttachKlCompletions(rows) : rows;
    }

    /// <summary>
    /// Held-out rows: pairs and rankings as they are (they give preference accuracy, and the loss's metrics when it reads
    /// them); unpaired rows only for a loss that reads unpaired rows (their KL completions attached).
    /// </summary>
    public static List<TokenizedPreference> ForEvaluation(string path, IPreferenceLoss loss, PreferenceTokenizer tokenizer)
    {
        IReadOnlyList<PreferenceExample> examples = PreferenceDatasetReader.Read(path);
        List<TokenizedPreference> rows = examples.Select(tokenizer.Tokenize).ToList();
        CheckConsistent(rows);
        if (rows[0].Kind != PreferenceExampleKind.Unpaired) return rows;
        if (loss.DataKind != PreferenceDataKind.Unpaired)
            throw new DatasetException($"{rows[0].Source}: held-out rows are unpaired, which give no preference accuracy and not the rows the '{loss.Name}' loss reads; " +
                                       "give held-out pairs or rankings");
        return PreferenceTokenizer.AttachKlCompletions(rows);
    }

    private static void CheckConsistent(List<TokenizedPreference> rows)
    {
        TokenizedPreference first = rows[0];
        foreach (TokenizedPreference row in rows)
        {
            if (row.ChosenScore.HasValue != first.ChosenScore.HasValue)
                throw new DatasetException($"{(row.ChosenScore.HasValue ? row : first).Source}: has chosen_score/rejected_score but " +
                                           $"{(row.ChosenScore.HasValue ? first : row).Source} has none; give scores on every pair or on none");
            if (row.Responses.Count != first.Responses.Count)
                throw new DatasetException($"{row.Source}: field 'responses' has {row.Responses.Count} responses but {first.Source} has {first.Responses.Count}; " +
                                           "rankings for a preference loss must all have the same K");
        }
    }
}
