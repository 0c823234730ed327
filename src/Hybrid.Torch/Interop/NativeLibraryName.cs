// The name [LibraryImport] resolves to libhybrid_torch.so, copied next to every app that references Hybrid.Torch.
namespace Hybrid.Torch.Interop;

internal static class NativeLibraryName
{
    public const string Shim = "hybrid_torch";
}
