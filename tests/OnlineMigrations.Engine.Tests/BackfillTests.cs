using OnlineMigrations.Engine.Phases;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

public sealed class BackfillTests
{
    [Theory]
    [InlineData(1000, 100, 200, 2000)]   // too fast: grow, at most doubling
    [InlineData(1000, 10, 200, 2000)]
    [InlineData(1000, 400, 200, 500)]    // too slow: shrink, at most halving
    [InlineData(1000, 4000, 200, 500)]
    [InlineData(1000, 200, 200, 1000)]   // on target: keep
    public void Batch_size_moves_toward_the_target_duration(int current, int tookMs, int targetMs, int expected) =>
        Assert.Equal(expected, Backfiller.NextBatchSize(current, TimeSpan.FromMilliseconds(tookMs), TimeSpan.FromMilliseconds(targetMs), 100_000));

    [Fact]
    public void Batch_size_never_exceeds_the_lock_escalation_bound_on_sql_server()
    {
        var size = Backfiller.FirstBatch;
        for (var i = 0; i < 20; i++) size = Backfiller.NextBatchSize(size, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(200), Backfiller.SqlServerMaxBatch);
        Assert.Equal(4000, size);
    }

    [Fact]
    public void Batch_size_never_drops_below_one()
    {
        var size = 3;
        for (var i = 0; i < 10; i++) size = Backfiller.NextBatchSize(size, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200), 4000);
        Assert.Equal(1, size);
    }

    [Fact]
    public void Keys_survive_the_checkpoint_with_their_types()
    {
        var key = new object?[] { 42L, 7, "a'b]c", Guid.Parse("6f1c3c8e-0000-4000-8000-000000000001"), new DateTime(2026, 11, 25, 8, 0, 0, DateTimeKind.Utc), 12.5m, null, new byte[] { 1, 2, 255 } };
        var back = KeyCodec.Decode(KeyCodec.Encode(key));
        Assert.Equal(key.Length, back.Length);
        for (var i = 0; i < key.Length; i++)
        {
            Assert.Equal(key[i]?.GetType(), back[i]?.GetType());
            Assert.Equal(key[i], back[i]);
        }
    }

    [Fact]
    public void Backoff_grows_and_is_capped()
    {
        Assert.InRange(StepRunner.Backoff(0).TotalMilliseconds, 200, 300);
        Assert.InRange(StepRunner.Backoff(3).TotalMilliseconds, 1600, 2400);
        Assert.InRange(StepRunner.Backoff(30).TotalMilliseconds, 10_000, 15_000);
    }
}

public sealed class ThrottleTests
{
    private static readonly ThrottleLimits Limits = new() { MaxLogSendQueueKb = 1000, MaxRedoQueueKb = 2000, MaxLogUsedPercent = 80, MaxLogWritePercent = 70 };

    [Theory]
    [InlineData(null, null, null, null, null)]
    [InlineData(999.0, 1999.0, 79.9, 69.0, null)]
    [InlineData(1001.0, null, null, null, "log send queue")]
    [InlineData(null, 2500.0, null, null, "redo queue")]
    [InlineData(null, null, 85.0, null, "transaction log 85% used")]
    [InlineData(null, null, 10.0, 90.0, "log write rate")]
    public void A_backfill_pauses_only_while_a_measure_is_over_its_limit(double? send, double? redo, double? used, double? write, string? expected)
    {
        var reason = Backfiller.OverLimit([send, redo, used, write], Limits);
        if (expected is null) Assert.Null(reason);
        else Assert.Contains(expected, reason);
    }
}

public sealed class KeyParameterTests
{
    [Fact]
    public void Varchar_key_values_are_bound_as_varchar_and_others_as_they_are()
    {
        var parameters = new Dictionary<string, object?>();
        OnlineMigrations.Engine.Phases.KeyParameters.FromFlags(true, false, false).Add(parameters, "lo", ["a-c", "ab", 7L]);
        using var session = new OnlineMigrations.Engine.Connections.Session(new Microsoft.Data.SqlClient.SqlConnection(), new OnlineMigrations.Engine.Dialects.SqlServerDialect(), "test");
        using var command = session.Command("SELECT 1", parameters);
        var bound = command.Parameters.Cast<System.Data.Common.DbParameter>().ToDictionary(p => p.ParameterName);
        Assert.Equal(System.Data.DbType.AnsiString, bound["@lo_0"].DbType);
        Assert.Equal("a-c", bound["@lo_0"].Value);
        Assert.Equal(System.Data.DbType.String, bound["@lo_1"].DbType);
        Assert.Equal(7L, bound["@lo_2"].Value);
    }
}
