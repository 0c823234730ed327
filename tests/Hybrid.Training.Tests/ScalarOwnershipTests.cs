// Every number Hybrid passes to a libtorch op goes through a ScalarScope: the IL of Hybrid's assemblies holds no
// TorchSharp call that makes an unowned Scalar (see Hybrid.Tensors.ScalarScope for the race this prevents).
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Hybrid.Tensors;
using TorchSharp;

namespace Hybrid.Training.Tests;

public sealed class ScalarOwnershipTests
{
    /// <summary>The assemblies that run libtorch ops.</summary>
    private static readonly Assembly[] Hybrid =
    [
        typeof(ScalarScope).Assembly, typeof(Models.Decoder.DecoderModel).Assembly, typeof(Algorithms.LossOutput).Assembly,
        typeof(Sft.SftTrainer).Assembly, typeof(Export.Decoder.DecoderExporter).Assembly,
    ];

    [Fact]
    public void NoHybridCodeLetsTorchSharpMakeAScalarNobodyOwns()
    {
        HashSet<string> risky = TorchSharpMembersThatMakeUnownedScalars();
        Assert.Contains("Tensor.op_Multiply(Tensor,Double)", risky);          // the scan finds what it must
        Assert.Contains("Scalar.op_Implicit(Double)", risky);
        var violations = new List<string>();
        foreach (Assembly assembly in Hybrid)
            foreach ((string caller, string callee) in Calls(assembly.Location))
            {
                bool inScope = caller.StartsWith(nameof(ScalarScope) + ".", StringComparison.Ordinal);
                if (risky.Contains(callee) && !inScope) violations.Add($"{assembly.GetName().Name}: {caller} calls {callee}");
            }
        Assert.True(violations.Count == 0,
            $"{violations.Count} calls make a Scalar that nothing owns; pass numbers as ScalarScope values (sc[0.5]) instead:\n" +
            string.Join("\n", violations.Distinct().Order()));
    }

    /// <summary>
    /// TorchSharp members that create a Scalar without disposing it: the implicit conversions, ToScalar, every method whose
    /// body calls one of them and never Scalar.Dispose (the primitive operator overloads, for example), and — to a fixed
    /// point — every method that calls such a method (Tensor.add(Scalar) passes an implicit alpha of 1 to add(Scalar, Scalar)).
    /// </summary>
    private static HashSet<string> TorchSharpMembersThatMakeUnownedScalars()
    {
        List<(string Method, IReadOnlyList<string> Callees)> bodies = Bodies(typeof(Scalar).Assembly.Location);
        var result = bodies.Select(b => b.Method)
            .Where(m => m.StartsWith("Scalar.op_Implicit(", StringComparison.Ordinal) || m.StartsWith("ScalarExtensionMethods.ToScalar(", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach ((string method, IReadOnlyList<string> callees) in bodies)
                if (!result.Contains(method) && !callees.Contains("Scalar.Dispose()") && callees.Any(result.Contains))
                    grew |= result.Add(method);
        }
        return result;
    }

    private static IEnumerable<(string Caller, string Callee)> Calls(string path) =>
        Bodies(path).SelectMany(b => b.Callees.Select(c => (b.Method, c)));

    private static readonly Dictionary<short, OperandType> s_operands = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>Each method of the assembly ("Type.Name(ParamTypes)") with the methods its IL calls, in the same notation.</summary>
    private static List<(string Method, IReadOnlyList<string> Callees)> Bodies(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        var names = new TypeNames();
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (MethodDefinitionHandle handle in md.MethodDefinitions)
        {
            MethodDefinition def = md.GetMethodDefinition(handle);
            if (def.RelativeVirtualAddress == 0) continue;
            string self = Describe(md.GetString(md.GetTypeDefinition(def.GetDeclaringType()).Name), md.GetString(def.Name), def.DecodeSignature(names, null));
            byte[] il = pe.GetMethodBody(def.RelativeVirtualAddress).GetILBytes()!;
            var callees = new List<string>();
            for (int i = 0; i < il.Length;)
            {
                short code = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
                i += il[i] == 0xFE ? 2 : 1;
                OperandType operand = s_operands[code];
                if (operand == OperandType.InlineMethod)
                {
                    EntityHandle target = MetadataTokens.EntityHandle(BitConverter.ToInt32(il, i));
                    if (Callee(md, names, target) is string callee) callees.Add(callee);
                }
                i += operand switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                    _ => 4,
                };
            }
            result.Add((self, callees));
        }
        return result;
    }

    private static string? Callee(MetadataReader md, TypeNames names, EntityHandle target)
    {
        switch (target.Kind)
        {
            case HandleKind.MethodDefinition:
                MethodDefinition def = md.GetMethodDefinition((MethodDefinitionHandle)target);
                return Describe(md.GetString(md.GetTypeDefinition(def.GetDeclaringType()).Name), md.GetString(def.Name), def.DecodeSignature(names, null));
            case HandleKind.MemberReference:
                MemberReference member = md.GetMemberReference((MemberReferenceHandle)target);
                if (member.GetKind() != MemberReferenceKind.Method) return null;
                string owner = member.Parent.Kind switch
                {
                    HandleKind.TypeReference => md.GetString(md.GetTypeReference((TypeReferenceHandle)member.Parent).Name),
                    HandleKind.TypeDefinition => md.GetString(md.GetTypeDefinition((TypeDefinitionHandle)member.Parent).Name),
                    _ => "?",
                };
                return Describe(owner, md.GetString(member.Name), member.DecodeMethodSignature(names, null));
            case HandleKind.MethodSpecification:
                return Callee(md, names, md.GetMethodSpecification((MethodSpecificationHandle)target).Method);
            default:
                return null;
        }
    }

    private static string Describe(string type, string name, MethodSignature<string> signature) =>
        $"{type}.{name}({string.Join(",", signature.ParameterTypes)})";

    /// <summary>Type names without namespaces or generic arguments: enough to match a call to its definition.</summary>
    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) => "spec";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
    }
}
