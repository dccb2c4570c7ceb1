using System.Globalization;
using System.Management.Automation;

namespace OnlineMigrations.Commands;

/// <summary>
/// Lets a duration parameter take what people type: a plain number is seconds (-MaxDuration 600 is ten
/// minutes, not 600 ticks as PowerShell's own conversion would make it), a TimeSpan, '00:10:00', or an
/// ISO-8601 duration ('PT10M').
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case null or TimeSpan: return value;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                return TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case double or float or decimal:
                return TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture));
            case string text:
                var t = text.Trim();
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
                if (TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var span)) return span;
                if (t.StartsWith('P') || t.StartsWith("-P", StringComparison.Ordinal))
                {
                    try { return System.Xml.XmlConvert.ToTimeSpan(t); }
                    catch (FormatException) { }
                }
                throw new ArgumentTransformationMetadataException(
                    $"'{text}' is not a duration. Give seconds (600), a time span ('00:10:00', '1.00:00:00') or an ISO-8601 duration ('PT10M').");
            default: return value;
        }
    }
}
