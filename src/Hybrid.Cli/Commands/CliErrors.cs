// Runs a command body and turns the errors users cause (bad data, config, checkpoint, arguments) into one line and exit 2,
// and a diverged run into one line and exit 3.
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Data;
using Hybrid.Training.Stability;

namespace Hybrid.Cli.Commands;

internal static class CliErrors
{
    /// <summary>Exit code for input the user can fix (a bad row, field, file or flag); unexpected failures keep their stack.</summary>
    public const int InputError = 2;

    /// <summary>Exit code for a run that stopped because training diverged (its final model was not written).</summary>
    public const int TrainingDiverged = 3;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is DatasetException or ConfigException or CheckpointException or SafeTensorsFormatException
                                       or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return InputError;
        }
        catch (TrainingDivergedException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return TrainingDiverged;
        }
    }
}
