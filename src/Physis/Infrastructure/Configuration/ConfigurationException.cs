namespace Physis.Infrastructure.Configuration;

/// <summary>A run configuration file that does not parse or holds an invalid value; the message names file and line.</summary>
public sealed class ConfigurationException(string message) : ArgumentException(message);
