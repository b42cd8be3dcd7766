using Physis.Differentiation.Taylor;

namespace Physis.Networks.Layers;

/// <summary>A part of a <see cref="PinnNetwork"/> (an embedding or an architecture) that can push a <see cref="Jet"/> through itself.</summary>
internal interface ITaylorLayer
{
    Jet Forward(Jet input);
}
