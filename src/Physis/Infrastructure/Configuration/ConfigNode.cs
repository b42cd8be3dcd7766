using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Physis.Infrastructure.Configuration;

/// <summary>
/// A node of a YAML configuration with its place in the file, and strict readers for it: every error names the file,
/// the line, the setting's path (network.embeddings[0].fourier.scale) and what is allowed.
/// </summary>
public sealed class ConfigNode(string file, string path, YamlNode node)
{
    public string Path { get; } = path;
    public YamlNode Node { get; } = node;

    public ConfigurationException Error(string message) =>
        new($"{file}:{Node.Start.Line}: {Path}: {message}");

    /// <summary>The mapping's entries, after checking that it is a mapping and holds only allowed keys.</summary>
    public IReadOnlyDictionary<string, ConfigNode> Mapping(params string[] allowed)
    {
        if (Node is not YamlMappingNode mapping) throw Error($"expected a mapping with keys {string.Join(", ", allowed)}.");
        var entries = new Dictionary<string, ConfigNode>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            string key = ((keyNode as YamlScalarNode)?.Value ?? "").Trim();
            string childPath = Path.Length == 0 ? key : $"{Path}.{key}";
            if (!allowed.Contains(key))
                throw new ConfigurationException($"{file}:{keyNode.Start.Line}: unknown key '{key}'{(Path.Length == 0 ? "" : $" in {Path}")}; "
                    + $"allowed: {string.Join(", ", allowed)}.");
            if (!entries.TryAdd(key, new ConfigNode(file, childPath, value)))
                throw new ConfigurationException($"{file}:{keyNode.Start.Line}: key '{key}' appears twice{(Path.Length == 0 ? "" : $" in {Path}")}.");
        }
        return entries;
    }

    public IReadOnlyList<ConfigNode> Sequence()
    {
        if (Node is not YamlSequenceNode sequence) throw Error("expected a list.");
        return sequence.Children.Select((child, i) => new ConfigNode(file, $"{Path}[{i}]", child)).ToList();
    }

    /// <summary>A list item written as a single-key mapping, "- fourier: {...}": its kind and settings.</summary>
    public (string Kind, ConfigNode Settings) Tagged(params string[] kinds)
    {
        if (Node is not YamlMappingNode { Children.Count: 1 } mapping)
            throw Error($"expected one of {string.Join(", ", kinds)} with its settings, for example '- {kinds[0]}: {{...}}'.");
        var (keyNode, value) = mapping.Children.First();
        string kind = ((keyNode as YamlScalarNode)?.Value ?? "").Trim();
        if (!kinds.Contains(kind)) throw Error($"unknown kind '{kind}'; allowed: {string.Join(", ", kinds)}.");
        return (kind, new ConfigNode(file, $"{Path}.{kind}", value));
    }

    private string Scalar()
    {
        if (Node is not YamlScalarNode { Value: { } text }) throw Error("expected a single value.");
        return text.Trim();
    }

    /// <summary>A single value as text, such as an expression.</summary>
    public string Text() => Scalar();

    /// <summary>
    /// An error at a character of this value's <see cref="Text"/>, named by line and column: exact for a value on one
    /// line and for a literal block (|); other values that span lines are named by where they start.
    /// </summary>
    public ConfigurationException ErrorAt(int offset, string message)
    {
        var (line, column) = (Node.Start.Line, Node.Start.Column);
        var scalar = (YamlScalarNode)Node;
        string text = Scalar();
        offset = Math.Clamp(offset, 0, text.Length);
        if (scalar.Style == ScalarStyle.Literal)
        {
            int start = offset == 0 ? 0 : text.LastIndexOf('\n', offset - 1) + 1;
            int end = text.IndexOf('\n', start);
            string textLine = text[start..(end < 0 ? text.Length : end)];
            line += 1 + text[..offset].Count(c => c == '\n');
            // The block's indentation is what the file's line has before the value's line.
            string fileLine = File.ReadLines(file).Skip((int)line - 1).FirstOrDefault() ?? "";
            column = fileLine.TrimEnd().Length - textLine.TrimEnd().Length + offset - start + 1;
        }
        else if (Node.End.Line == Node.Start.Line)
        {
            bool quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted;
            column += offset + (quoted ? 1 : 0);
        }
        return new ConfigurationException($"{file}:{line}:{column}: {message}");
    }

    public int Int(int minimum)
    {
        string text = Scalar();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw Error($"expected an integer, got '{text}'.");
        if (value < minimum) throw Error($"must be at least {minimum}, got {value}.");
        return value;
    }

    public double Double(bool positive = true)
    {
        string text = Scalar();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw Error($"expected a number, got '{text}'.");
        if (positive && value <= 0) throw Error($"must be positive, got {value}.");
        return value;
    }

    public bool Bool()
    {
        string text = Scalar();
        return text switch
        {
            "true" => true,
            "false" => false,
            _ => throw Error($"expected true or false, got '{text}'."),
        };
    }

    /// <summary>One of the allowed words, returned as written in the list.</summary>
    public string Choice(params string[] allowed)
    {
        string text = Scalar();
        return allowed.FirstOrDefault(a => string.Equals(a, text, StringComparison.OrdinalIgnoreCase))
            ?? throw Error($"'{text}' is not allowed; allowed: {string.Join(", ", allowed)}.");
    }

    public int[] Ints(int minimum) => Sequence().Select(n => n.Int(minimum)).ToArray();
}
