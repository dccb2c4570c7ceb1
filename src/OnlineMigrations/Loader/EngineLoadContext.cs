using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace OnlineMigrations.Loader;

/// <summary>
/// The one load context that holds the engine and its third-party dependencies
/// (Microsoft.Data.SqlClient, Microsoft.Data.Sqlite, Azure.Identity, ...), published into
/// <c>bin/&lt;rid&gt;/</c> beside the cmdlets assembly. A session that already loaded another
/// version of any of them (dbatools, the SqlServer module) keeps its copy; we use ours.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    internal const string ContextName = "OnlineMigrations";

    private static readonly string[] SupportedRuntimes = ["linux-x64", "win-x64"];
    private static readonly Lazy<EngineLoadContext> Shared = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _binDirectory;

    private EngineLoadContext(string binDirectory)
        : base(ContextName, isCollectible: false)
    {
        _binDirectory = binDirectory;
    }

    internal static EngineLoadContext Instance => Shared.Value;

    internal string BinDirectory => _binDirectory;

    /// <summary>Our folder wins whenever it has the assembly; everything else (the framework)
    /// comes from the default context, so framework types stay shared with PowerShell.</summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null)
        {
            return null;
        }

        string path = Path.Join(_binDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>Native libraries (e_sqlite3, SqlClient's SNI on Windows) come from our folder too.</summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (string candidate in NativeFileNames(unmanagedDllName))
        {
            string path = Path.Join(_binDirectory, candidate);
            if (File.Exists(path))
            {
                return LoadUnmanagedDllFromPath(path);
            }
        }

        return IntPtr.Zero;
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows())
        {
            yield return name + ".dll";
        }
        else
        {
            yield return "lib" + name + ".so";
            yield return name + ".so";
        }
    }

    private static EngineLoadContext Create()
    {
        string moduleDirectory = Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)
            ?? throw new InvalidOperationException("OnlineMigrations: cannot tell where OnlineMigrations.dll was loaded from; import the module from its folder (Import-Module <folder>/OnlineMigrations.psd1).");
        string binDirectory = Path.Join(moduleDirectory, "bin", CurrentRuntime());
        if (!Directory.Exists(binDirectory))
        {
            throw new DirectoryNotFoundException($"OnlineMigrations: the engine folder '{binDirectory}' is missing. The module folder is incomplete; rebuild it with 'dotnet pwsh ./build.ps1 Build' or reinstall the module.");
        }

        return new EngineLoadContext(binDirectory);
    }

    internal static string CurrentRuntime()
    {
        if (RuntimeInformation.OSArchitecture == Architecture.X64)
        {
            if (OperatingSystem.IsLinux())
            {
                return "linux-x64";
            }

            if (OperatingSystem.IsWindows())
            {
                return "win-x64";
            }
        }

        throw new PlatformNotSupportedException(
            $"OnlineMigrations runs on {string.Join(" and ", SupportedRuntimes)}; this machine is {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}).");
    }
}
