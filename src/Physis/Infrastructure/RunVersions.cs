using System.Reflection;

namespace Physis.Infrastructure;

/// <summary>The versions a run record names, so a figure can be traced to the code and engine that produced it.</summary>
public sealed record RunVersions(string? Physis, string? TorchSharp, string Dotnet)
{
    public static RunVersions Current { get; } = new(
        typeof(RunVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        Environment.Version.ToString());
}
