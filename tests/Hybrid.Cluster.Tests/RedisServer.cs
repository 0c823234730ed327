// A throw-away redis-server on a free loopback port, for Orleans' Redis membership in tests.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hybrid.Cluster.Tests;

/// <summary>Debian's redis-server (installed by tools/setup.sh) with no persistence, killed on dispose.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port) => (_process, Port) = (process, port);

    public int Port { get; }

    public string Membership => $"redis://127.0.0.1:{Port}";

    public static RedisServer Start()
    {
        int port = FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }) start.ArgumentList.Add(a);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (run tools/setup.sh)");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return new RedisServer(process, port);
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
