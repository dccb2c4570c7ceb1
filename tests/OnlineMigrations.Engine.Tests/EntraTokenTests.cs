using Azure.Core;
using Azure.Identity;
using Microsoft.Data.SqlClient;
using OnlineMigrations.Engine.Connections;
using OnlineMigrations.Engine.Dialects;
using OnlineMigrations.Engine.Model;
using Xunit;

namespace OnlineMigrations.Engine.Tests;

public sealed class EntraTokenTests
{
    [Theory]
    [InlineData(EntraAuthentication.ManagedIdentity, typeof(ManagedIdentityCredential))]
    [InlineData(EntraAuthentication.AzureCli, typeof(AzureCliCredential))]
    [InlineData(EntraAuthentication.Default, typeof(DefaultAzureCredential))]
    public void Each_identity_kind_gets_its_credential(EntraAuthentication kind, Type expected) =>
        Assert.IsType(expected, EntraToken.Credential(kind, null));

    [Fact]
    public void Workload_identity_needs_its_federation_settings()
    {
        // Outside a pipeline the federated token file is not configured: the credential says so
        // when asked for a token rather than at construction.
        var credential = EntraToken.Credential(EntraAuthentication.WorkloadIdentity, "00000000-0000-0000-0000-000000000001");
        Assert.IsType<WorkloadIdentityCredential>(credential);
    }

    private sealed class CountingCredential : TokenCredential
    {
        public int Calls;
        public string[]? Scopes;
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => throw new NotSupportedException();
        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            Scopes = requestContext.Scopes;
            return ValueTask.FromResult(new AccessToken($"token-{Calls}", DateTimeOffset.UtcNow.AddMinutes(Calls)));
        }
    }

    [Fact]
    public async Task The_callback_asks_the_credential_each_time_so_tokens_are_refreshed()
    {
        var credential = new CountingCredential();
        var callback = EntraToken.Callback(credential);
        var parameters = new SqlAuthenticationParameters(SqlAuthenticationMethod.ActiveDirectoryDefault, "srv", "db", "https://database.windows.net/", "https://login.microsoftonline.com/t", null, null, Guid.NewGuid(), 30);
        var first = await callback(parameters, CancellationToken.None);
        var second = await callback(parameters, CancellationToken.None);
        Assert.Equal("token-1", first.AccessToken);
        Assert.Equal("token-2", second.AccessToken);
        Assert.Equal([EntraToken.Scope], credential.Scopes!);
    }

    [Fact]
    public void A_connection_failure_names_server_and_database_and_never_the_password()
    {
        const string secret = "S3cr3t-Pa55-word!";
        var options = new ConnectionOptions { ConnectionString = $"Server=127.0.0.1,1;Database=inventory;User ID=ops;Password={secret};Connect Timeout=2;Encrypt=false" };
        var e = Assert.Throws<MigrationException>(() => Connector.Open(options));
        Assert.Equal("ConnectionFailed", e.ErrorId);
        Assert.Contains("127.0.0.1,1", e.Message);
        Assert.Contains("inventory", e.Message);
        Assert.IsType<SqlException>(e.InnerException);
        Assert.DoesNotContain(secret, e.ToString());
        Assert.DoesNotContain(secret, e.RecommendedAction);
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_without_echoing_it()
    {
        const string secret = "An0ther-S3cret";
        var options = new ConnectionOptions { ConnectionString = $"Server=x;Password={secret};Bogus Keyword=1" };
        var e = Assert.Throws<MigrationException>(() => Connector.Open(options));
        Assert.Equal("InvalidConnection", e.ErrorId);
        Assert.DoesNotContain(secret, e.ToString());
    }

    [Fact]
    public void Sqlite_ignores_entra_settings_only_through_the_cmdlets_check() =>
        Assert.Equal(Provider.Sqlite, new ConnectionOptions { ConnectionString = "Data Source=x", Provider = Provider.Sqlite }.CreateDialect().Provider);
}
