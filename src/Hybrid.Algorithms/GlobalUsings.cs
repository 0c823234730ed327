// The usings every file of Hybrid.Algorithms gets without repeating them: libtorch's tensor API (TorchSharp) and Hybrid's tensor helpers (Hybrid.Tensors), which nearly every file here calls.
global using TorchSharp;
global using static TorchSharp.torch;
global using Hybrid.Tensors;
