// Free TCP ports on the loopback for silos started without explicit ports.
using System.Net;
using System.Net.Sockets;

namespace Hybrid.Cluster;

internal static class FreePorts
{
    /// <summary>A port the OS reports free now (it may be taken before use; silos then fail to start and say so).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
