// Global usings the vendored ONNX Runtime sources rely on but do not declare themselves (NativeMethods.shared.cs uses Assembly).
global using System.Reflection;
