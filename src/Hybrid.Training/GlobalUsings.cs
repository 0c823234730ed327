// The usings every file of Hybrid.Training gets without repeating them: libtorch's tensor API (TorchSharp) and Hybrid's tensor helpers (Hybrid.Tensors), which most files here call.
global using TorchSharp;
global using static TorchSharp.torch;
global using Hybrid.Tensors;
