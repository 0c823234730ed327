// The rollout engine never needs the trainer's tensor library, and configs and tokenizers need neither it nor ONNX Runtime.
using System.Reflection;
using System.Xml.Linq;
using Hybrid.Models.Config;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Rollout.Tests;

/// <summary>
/// The dependency rule, checked two ways: on the compiled assemblies (what their code references, followed through every
/// Hybrid assembly it reaches) and on the project files (project references followed to their package references), which
/// also catches a reference no code uses yet — it would still ship TorchSharp's native libraries with the engine.
/// </summary>
public sealed class DependencyRuleTests
{
    private static readonly string[] TrainerSide = ["Hybrid.Tensors", "Hybrid.Models", "Hybrid.Export", "Hybrid.Algorithms", "Hybrid.Training"];

    [Fact]
    public void TheRolloutEngineReachesNoTorchSharpThroughAnyAssembly()
    {
        SortedSet<string> references = ReferencedAssemblies(typeof(RolloutEngine).Assembly);
        Assert.Contains("Microsoft.ML.OnnxRuntime", references);  // the walk sees the runtime the engine does use
        Assert.Contains("Hybrid.Models.Core", references);
        Assert.DoesNotContain(references, IsTorchSharp);
        foreach (string trainer in TrainerSide) Assert.DoesNotContain(trainer, references);
    }

    [Fact]
    public void ConfigsTokenizersAndSamplingSettingsReachNeitherTorchSharpNorOnnxRuntime()
    {
        Assembly core = typeof(Tokenizer).Assembly;
        Assert.Equal("Hybrid.Models.Core", core.GetName().Name);
        Assert.All(new[] { typeof(DecoderConfig), typeof(ChatTemplate), typeof(SamplingParams), typeof(FinishReason) }, t => Assert.Same(core, t.Assembly));
        SortedSet<string> references = ReferencedAssemblies(core);
        Assert.DoesNotContain(references, IsTorchSharp);
        Assert.DoesNotContain(references, IsOnnxRuntime);
        foreach (string trainer in TrainerSide) Assert.DoesNotContain(trainer, references);
    }

    [Fact]
    public void TheProjectFilesGiveTheRolloutEngineNoTorchSharpAndModelsCoreNoRuntimeAtAll()
    {
        (SortedSet<string> rolloutProjects, SortedSet<string> rolloutPackages) = ProjectClosure("Hybrid.Rollout");
        Assert.Contains("Hybrid.Onnx", rolloutProjects);
        Assert.DoesNotContain(rolloutPackages, IsTorchSharp);
        foreach (string trainer in TrainerSide) Assert.DoesNotContain(trainer, rolloutProjects);

        (SortedSet<string> coreProjects, SortedSet<string> corePackages) = ProjectClosure("Hybrid.Models.Core");
        Assert.Contains("Microsoft.ML.Tokenizers", corePackages);  // the walk sees the package Core does use
        Assert.DoesNotContain(corePackages, IsTorchSharp);
        Assert.DoesNotContain(corePackages, IsOnnxRuntime);
        Assert.DoesNotContain("Hybrid.Onnx", coreProjects);
    }

    private static bool IsTorchSharp(string name) => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase);

    private static bool IsOnnxRuntime(string name) => name.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.OrdinalIgnoreCase);

    /// <summary>Names of the assemblies <paramref name="root"/> references, following the references of every Hybrid assembly met.</summary>
    private static SortedSet<string> ReferencedAssemblies(Assembly root)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Queue<Assembly>([root]);
        while (pending.TryDequeue(out Assembly? assembly))
        {
            foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
            {
                if (seen.Add(reference.Name!) && reference.Name!.StartsWith("Hybrid.", StringComparison.Ordinal))
                    pending.Enqueue(Assembly.Load(reference));
            }
        }
        return seen;
    }

    /// <summary>The projects src/<paramref name="project"/> references (transitively) and every package any of them references.</summary>
    private static (SortedSet<string> Projects, SortedSet<string> Packages) ProjectClosure(string project)
    {
        var projects = new SortedSet<string>(StringComparer.Ordinal);
        var packages = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>([Path.Combine(RepositoryRoot(), "src", project, project + ".csproj")]);
        while (pending.TryDequeue(out string? path))
        {
            XDocument file = XDocument.Load(path);
            foreach (XElement package in file.Descendants("PackageReference")) packages.Add((string)package.Attribute("Include")!);
            foreach (XElement reference in file.Descendants("ProjectReference"))
            {
                string referenced = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, (string)reference.Attribute("Include")!));
                if (projects.Add(Path.GetFileNameWithoutExtension(referenced))) pending.Enqueue(referenced);
            }
        }
        return (projects, packages);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hybrid.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Hybrid.sln above {AppContext.BaseDirectory}");
    }
}
