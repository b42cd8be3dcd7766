using System.Reflection;
using System.Reflection.Emit;

namespace Physis.Tests;

/// <summary>
/// The layers of Physis and Physis.Suite may depend only on the layers below them (docs/architecture.md). The
/// dependencies are read from the compiled assemblies, method bodies included, so a `new` or a call hidden in a lambda
/// counts as much as a field or a parameter, and a `using` that nothing uses does not count.
/// </summary>
public class LayeringTests
{
    /// <summary>What each layer may use besides itself; a layer missing here may use nothing.</summary>
    static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Physis.Infrastructure"] = [],
        ["Physis.Geometry"] = ["Physis.Infrastructure"],
        ["Physis.Differentiation"] = ["Physis.Infrastructure"],
        ["Physis.Solvers"] = ["Physis.Infrastructure"],
        ["Physis.Problems"] = ["Physis.Geometry", "Physis.Differentiation"],
        ["Physis.Data"] = ["Physis.Infrastructure", "Physis.Solvers"],
        ["Physis.Networks"] = ["Physis.Infrastructure", "Physis.Geometry", "Physis.Differentiation", "Physis.Problems"],
        ["Physis.Evaluation"] = ["Physis.Infrastructure", "Physis.Problems", "Physis.Data"],
        ["Physis.Reporting"] = ["Physis.Infrastructure", "Physis.Evaluation"],
        ["Physis.Training"] =
        [
            "Physis.Infrastructure", "Physis.Geometry", "Physis.Differentiation", "Physis.Problems", "Physis.Networks",
            "Physis.Data", "Physis.Solvers", "Physis.Evaluation",
        ],
        ["Physis.Runs"] =
        [
            "Physis.Infrastructure", "Physis.Geometry", "Physis.Differentiation", "Physis.Solvers", "Physis.Problems",
            "Physis.Data", "Physis.Networks", "Physis.Evaluation", "Physis.Reporting", "Physis.Training",
        ],
        ["Physis.Export"] =
        [
            "Physis.Infrastructure", "Physis.Geometry", "Physis.Differentiation", "Physis.Solvers", "Physis.Problems",
            "Physis.Data", "Physis.Networks", "Physis.Evaluation", "Physis.Reporting", "Physis.Training", "Physis.Runs",
        ],
        ["Physis.Suite"] =
        [
            "Physis.Infrastructure", "Physis.Geometry", "Physis.Differentiation", "Physis.Solvers", "Physis.Problems",
            "Physis.Data", "Physis.Networks", "Physis.Evaluation", "Physis.Reporting", "Physis.Training", "Physis.Runs",
        ],
    };

    static readonly Assembly Library = typeof(Physis.Problems.PdeProblem).Assembly;
    static readonly Assembly Suite = typeof(Physis.Suite.CatalogRun).Assembly;
    static readonly Lazy<IReadOnlyList<Reference>> References = new(() => [.. DependencyReader.Read(Library), .. DependencyReader.Read(Suite)]);

    [Fact]
    public void EveryLayerDependencyIsInTheAllowedTable()
    {
        var offending = References.Value
            .Select(r => (From: Layer(r.From), To: Layer(r.To), r))
            .Where(e => e.From != e.To && !(Allowed.TryGetValue(e.From, out var allowed) && allowed.Contains(e.To)))
            .GroupBy(e => $"{e.From} -> {e.To}")
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key + "\n" + string.Join("\n", g.Select(e => $"    {Name(e.r.From)} -> {Name(e.r.To)}")
                .Distinct().Order(StringComparer.Ordinal).Take(3)))
            .ToList();
        Assert.True(offending.Count == 0,
            $"{offending.Count} layer dependencies are not in the allowed table (LayeringTests.Allowed, docs/architecture.md):\n"
            + string.Join("\n", offending));
    }

    [Fact]
    public void TheAllowedTableHasNoCycle()
    {
        // Kahn: repeatedly take a layer all of whose allowed dependencies are taken; what is left over lies on a cycle.
        var remaining = Allowed.ToDictionary(kv => kv.Key, kv => kv.Value.Where(d => d != kv.Key).ToHashSet());
        foreach (var dependency in remaining.Values.SelectMany(d => d).ToList())
            Assert.True(Allowed.ContainsKey(dependency), $"{dependency} is allowed as a dependency but is not a layer of the table.");
        var order = new List<string>();
        while (remaining.FirstOrDefault(kv => kv.Value.All(order.Contains)).Key is { } next)
        {
            order.Add(next);
            remaining.Remove(next);
        }
        Assert.True(remaining.Count == 0, "The allowed table has a cycle among: " + string.Join(", ", remaining.Keys.Order()));
    }

    [Fact]
    public void TheLibrarysNamespacesHaveNoCycle()
    {
        // One example per edge, the first in ordinal order, so that the message says where to cut.
        var edges = References.Value
            .Where(r => r.From.Assembly == Library && r.To.Assembly == Library && Namespace(r.From) != Namespace(r.To))
            .GroupBy(r => (From: Namespace(r.From), To: Namespace(r.To)))
            .ToDictionary(g => g.Key, g => g.Select(r => $"{Name(r.From)} -> {Name(r.To)}").Min(StringComparer.Ordinal));
        var components = StronglyConnected([.. edges.Keys]).Where(c => c.Count > 1).ToList();
        var described = components.Select(c =>
        {
            var members = c.ToHashSet();
            var inside = edges.Where(e => members.Contains(e.Key.From) && members.Contains(e.Key.To))
                .Select(e => $"    {e.Key.From} -> {e.Key.To}   (e.g. {e.Value})");
            return "{ " + string.Join(", ", c) + " }\n" + string.Join("\n", inside.Order(StringComparer.Ordinal));
        });
        Assert.True(components.Count == 0, "Namespace cycles in Physis.dll:\n" + string.Join("\n", described));
    }

    [Fact]
    public void TheReaderSeesLayerEdgesAndReferencesInsideMethodBodies()
    {
        var layerEdges = References.Value.Select(r => (Layer(r.From), Layer(r.To))).ToHashSet();
        Assert.Contains(("Physis.Runs", "Physis.Training"), layerEdges);
        Assert.Contains(("Physis.Suite", "Physis.Runs"), layerEdges);

        // CatalogRun.Execute builds a PinnRunOptions with `new` and an initializer; no signature or field of CatalogRun
        // mentions the type, so only the IL of the method body can reveal it.
        var catalogRun = typeof(Physis.Suite.CatalogRun);
        var options = typeof(Physis.Runs.PinnRunOptions);
        var found = References.Value.Where(r => r.From == catalogRun && r.To == options).Select(r => r.InBody).ToList();
        Assert.Contains(true, found);
        Assert.DoesNotContain(false, found);

        // A lambda's body lives in a compiler-generated nested type, which belongs to its declaring type's layer.
        Assert.Contains(References.Value, r => r.From.IsNested && r.From.Name.StartsWith('<') && r.InBody
            && Layer(r.From) == "Physis.Runs");
    }

    /// <summary>Physis.Suite.* is one layer; otherwise the first two segments (Physis.Training.Causal is in Physis.Training).</summary>
    static string Layer(Type type)
    {
        var segments = Namespace(type).Split('.');
        return segments.Length < 2 ? segments[0] : segments[0] + "." + segments[1];
    }

    static string Namespace(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type.Namespace ?? "";
    }

    static string Name(Type type) => type.FullName ?? type.Name;

    /// <summary>Tarjan's algorithm; each component is listed in ordinal order, the components too.</summary>
    static List<List<string>> StronglyConnected(IReadOnlyList<(string From, string To)> edges)
    {
        var successors = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());
        var nodes = edges.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var components = new List<List<string>>();

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in successors.GetValueOrDefault(node) ?? [])
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next)) low[node] = Math.Min(low[node], index[next]);
            }
            if (low[node] != index[node]) return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            } while (member != node);
            components.Add([.. component.Order(StringComparer.Ordinal)]);
        }

        foreach (var node in nodes)
            if (!index.ContainsKey(node)) Visit(node);
        return [.. components.OrderBy(c => c[0], StringComparer.Ordinal)];
    }
}

/// <summary>One use of <see cref="To"/> by <see cref="From"/>; <see cref="InBody"/> when it was found in IL, not a signature.</summary>
sealed record Reference(Type From, Type To, bool InBody);

/// <summary>
/// Reads which Physis types each type of an assembly uses: base type, interfaces, generic arguments and constraints,
/// fields, properties, events, parameters, return types, locals, and the types, methods and fields named by the IL of
/// every method body. A member counts as a use of its declaring type. Custom attributes are not read.
/// </summary>
static class DependencyReader
{
    const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static
        | BindingFlags.DeclaredOnly;

    static readonly OpCode[] OneByte = new OpCode[256];
    static readonly OpCode[] TwoByte = new OpCode[256];

    static DependencyReader()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is not OpCode code) continue;
            ushort value = unchecked((ushort)code.Value);
            if (code.Size == 1) OneByte[value] = code;
            else TwoByte[value & 0xFF] = code;
        }
    }

    public static bool IsPhysis(Type type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type.Namespace is { } ns && (ns == "Physis" || ns.StartsWith("Physis.", StringComparison.Ordinal));
    }

    public static IEnumerable<Reference> Read(Assembly assembly)
    {
        var found = new HashSet<Reference>();
        foreach (var type in assembly.GetTypes().Where(IsPhysis))
        {
            void Add(Type? target, bool inBody)
            {
                foreach (var used in Expand(target))
                    if (IsPhysis(used)) found.Add(new Reference(type, used, inBody));
            }

            Add(type.BaseType, false);
            foreach (var i in type.GetInterfaces()) Add(i, false);
            if (type.IsGenericTypeDefinition)
                foreach (var parameter in type.GetGenericArguments())
                    foreach (var constraint in parameter.GetGenericParameterConstraints()) Add(constraint, false);
            foreach (var field in type.GetFields(All)) Add(field.FieldType, false);
            foreach (var property in type.GetProperties(All)) Add(property.PropertyType, false);
            foreach (var e in type.GetEvents(All)) Add(e.EventHandlerType, false);
            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                foreach (var parameter in method.GetParameters()) Add(parameter.ParameterType, false);
                if (method is MethodInfo info)
                {
                    Add(info.ReturnType, false);
                    if (info.IsGenericMethodDefinition)
                        foreach (var parameter in info.GetGenericArguments())
                            foreach (var constraint in parameter.GetGenericParameterConstraints()) Add(constraint, false);
                }
                foreach (var used in BodyReferences(type, method)) Add(used, true);
            }
        }
        return found;
    }

    /// <summary>The named types inside <paramref name="type"/>: element types of arrays, generic definitions and arguments.</summary>
    static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter) yield break;
        if (type.HasElementType)
        {
            foreach (var inner in Expand(type.GetElementType())) yield return inner;
            yield break;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (var argument in type.GetGenericArguments())
                foreach (var inner in Expand(argument)) yield return inner;
            yield break;
        }
        yield return type;
    }

    static IEnumerable<Type> BodyReferences(Type type, MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        var il = body.GetILAsByteArray();
        if (il is null) yield break;
        var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int position = 0;
        while (position < il.Length)
        {
            OpCode code = il[position] == 0xFE ? TwoByte[il[position + 1]] : OneByte[il[position]];
            if (code.Size == 0)
                throw new InvalidOperationException($"Unknown opcode 0x{il[position]:X2} at IL offset {position} of {type}.{method.Name}.");
            position += code.Size;
            int operandSize = code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };
            if (code.OperandType is OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok)
            {
                int token = BitConverter.ToInt32(il, position);
                foreach (var used in Resolve(method.Module, code.OperandType, token, typeArguments, methodArguments)) yield return used;
            }
            position += operandSize;
        }
    }

    static IEnumerable<Type> Resolve(Module module, OperandType operand, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        MemberInfo? member;
        try
        {
            member = operand switch
            {
                OperandType.InlineType => module.ResolveType(token, typeArguments, methodArguments),
                OperandType.InlineMethod => module.ResolveMethod(token, typeArguments, methodArguments),
                OperandType.InlineField => module.ResolveField(token, typeArguments, methodArguments),
                _ => module.ResolveMember(token, typeArguments, methodArguments),
            };
        }
        catch (Exception e) when (e is ArgumentException or TypeLoadException or BadImageFormatException or MissingMemberException)
        {
            // A token that needs a generic context this method does not have; nothing to read from it.
            yield break;
        }
        switch (member)
        {
            case Type type:
                yield return type;
                break;
            case MethodBase called:
                if (called.DeclaringType is { } declaring) yield return declaring;
                if (called.IsGenericMethod && !called.IsGenericMethodDefinition)
                    foreach (var argument in called.GetGenericArguments()) yield return argument;
                break;
            case FieldInfo field:
                if (field.DeclaringType is { } owner) yield return owner;
                break;
        }
    }
}
