using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace OnlineMigrations.Loader;

/// <summary>
/// Sends every request for OnlineMigrations.Engine that the default context cannot satisfy to
/// <see cref="EngineLoadContext"/>. The cmdlets assembly is loaded by PowerShell into the default
/// context and references the engine, which is deliberately not beside it (bin/&lt;rid&gt;/ only),
/// so the default context always fails to find it and asks us.
/// <para>
/// Rule for the cmdlets assembly: no <em>public</em> type may derive from or implement an engine
/// type (make such adapters internal). PowerShell enumerates the exported types before it runs
/// any code of ours, so loading such a type would need the engine before this hook exists
/// (FileNotFoundException for OnlineMigrations.Engine at Import-Module). Engine types in
/// parameters, properties and [OutputType] are fine: they resolve lazily, after the hook.
/// </para>
/// </summary>
internal static class ModuleInitializer
{
    private const string EngineAssemblyName = "OnlineMigrations.Engine";
    private static int _hooked;

    // CA2255 warns that library module initializers run unexpectedly early; running before any
    // cmdlet touches an engine type is exactly what we want here.
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "Hooks assembly resolution before any engine type is needed.")]
    [ModuleInitializer]
    internal static void Initialize()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        return string.Equals(name.Name, EngineAssemblyName, StringComparison.Ordinal)
            ? EngineLoadContext.Instance.LoadFromAssemblyName(name)
            : null;
    }
}

/// <summary>
/// PowerShell calls this when it imports the module, before it inspects the cmdlets' parameters
/// (whose types may be engine types). Running any code of this assembly runs the module
/// initializer first; the explicit call documents the dependency. An unsupported platform fails
/// the import here, with a message naming the supported ones, rather than at first use.
/// </summary>
public sealed class ModuleImport : IModuleAssemblyInitializer
{
    /// <inheritdoc/>
    public void OnImport() => Hook();

    /// <summary>Called by OnlineMigrations.Loader.ps1 (the manifest's ScriptsToProcess) before PowerShell
    /// reflects over the cmdlets, whose parameter and output types are engine types.</summary>
    public static void Hook()
    {
        ModuleInitializer.Initialize();
        _ = EngineLoadContext.CurrentRuntime();
    }
}
