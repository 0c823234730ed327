// The usings every file of Hybrid.Tensors gets without repeating them: libtorch's tensor API (TorchSharp), which nearly every file here calls.
global using TorchSharp;
global using static TorchSharp.torch;
