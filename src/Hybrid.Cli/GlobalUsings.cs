// The usings every file of Hybrid.Cli gets without repeating them: System.CommandLine, which every command file declares its options with.
global using System.CommandLine;
