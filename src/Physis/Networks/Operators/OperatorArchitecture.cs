using System.Reflection;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>
/// The architecture of a neural operator: its settings and the factory that builds the network from them. The kind
/// ("fno", "tfno", "mgno", "lsm", "deeponet") is the JSON discriminator, so a run's settings.json and a model.bin header
/// store one "architecture" object whose "kind" says which record it is. The <see cref="JsonDerivedTypeAttribute"/>
/// list below is the one place that names the kinds.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(FnoSettings), "fno")]
[JsonDerivedType(typeof(TfnoSettings), "tfno")]
[JsonDerivedType(typeof(MgnoSettings), "mgno")]
[JsonDerivedType(typeof(LsmSettings), "lsm")]
[JsonDerivedType(typeof(DeepOnetSettings), "deeponet")]
public abstract record OperatorArchitecture
{
    private static readonly (Type Type, string Kind)[] Derived =
        [.. typeof(OperatorArchitecture).GetCustomAttributes<JsonDerivedTypeAttribute>(inherit: false)
            .Select(a => (a.DerivedType, (string)a.TypeDiscriminator!))];

    /// <summary>Every architecture's kind, as `physis train-operator` and the run files spell it.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [.. Derived.Select(d => d.Kind)];

    /// <summary>This architecture's kind (one of <see cref="Kinds"/>); stored as the "kind" of its JSON object.</summary>
    [JsonIgnore]
    public string Kind => Derived.First(d => d.Type == GetType()).Kind;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting (by its property name) that is out of range.</summary>
    public abstract void Validate();

    /// <summary>
    /// The untrained network, initialised from <paramref name="seed"/> (in <paramref name="dtype"/>, float32 by default, on
    /// <paramref name="device"/>, the CPU by default; the draws do not depend on the device); validates the settings first.
    /// </summary>
    public abstract nn.Module Create(int seed, Device? device = null, ScalarType dtype = ScalarType.Float32);

    /// <summary>
    /// The network's trainable values, counted from the validated settings alone (nothing is allocated), so that a run too
    /// large for memory is refused before its network is built. Exact but for the ranks a factorisation chooses; saturates
    /// at <see cref="long.MaxValue"/>.
    /// </summary>
    public abstract long EstimateParameters();

    /// <summary>
    /// A rough upper bound on the values a training forward pass of <paramref name="batch"/> samples on
    /// <paramref name="grid"/> keeps for its backward pass (the intermediate fields of every layer).
    /// </summary>
    public abstract long EstimateActivations(IReadOnlyList<int> grid, int batch);

    /// <summary>Values held for a moment while the network is built, beyond its parameters (a dense spectral weight's draws).</summary>
    public virtual long EstimateConstruction() => 0;
}
