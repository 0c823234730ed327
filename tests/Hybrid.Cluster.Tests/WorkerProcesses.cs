// `hybrid worker` child processes by name: start, SIGKILL, and kill whatever is left on dispose.
using System.Diagnostics;
using Hybrid.Cli.Tests;

namespace Hybrid.Cluster.Tests;

internal sealed class WorkerProcesses(string membership, string root) : IDisposable
{
    private readonly Dictionary<string, Process> _running = [];
    private readonly List<Process> _all = [];

    /// <summary>Starts worker <paramref name="name"/> (a restart of a killed name gets a fresh work folder).</summary>
    public void Start(string name)
    {
        string dir = Path.Combine(root, $"{name}-{_all.Count}");
        Process p = HybridProcess.Start("worker", "--cluster", membership, "--name", name, "--work-dir", dir);
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lock (_running)
        {
            _running[name] = p;
            _all.Add(p);
        }
    }

    /// <summary>SIGKILL (Process.Kill on Linux) of worker <paramref name="name"/>.</summary>
    public void Kill(string name)
    {
        lock (_running) _running[name].Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        foreach (Process p in _all)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
    }
}
