using System.Management.Automation;

namespace OnlineMigrations.Commands;

internal static class CmdletExtensions
{
    /// <summary>True when -WhatIf was given or $WhatIfPreference is set.</summary>
    public static bool IsWhatIf(this PSCmdlet cmdlet)
    {
        if (cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)) return ((SwitchParameter)value).IsPresent;
        return cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference") is { } pref && LanguagePrimitives.IsTrue(pref);
    }
}
