using Azure.Core;
using Azure.Identity;
using Microsoft.Data.SqlClient;

namespace OnlineMigrations.Engine.Connections;

/// <summary>
/// Entra ID tokens for SQL Server through Azure.Identity. SqlClient calls the callback whenever it
/// needs a token — at open and again before the token expires — so long runs keep working.
/// </summary>
public static class EntraToken
{
    public const string Scope = "https://database.windows.net/.default";

    public static TokenCredential Credential(EntraAuthentication kind, string? clientId) => kind switch
    {
        EntraAuthentication.ManagedIdentity => clientId is null
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId)),
        EntraAuthentication.WorkloadIdentity => new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions { ClientId = clientId }),
        EntraAuthentication.AzureCli => new AzureCliCredential(),
        EntraAuthentication.Default => new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No Entra credential for this kind."),
    };

    public static Func<SqlAuthenticationParameters, CancellationToken, Task<SqlAuthenticationToken>> Callback(TokenCredential credential) =>
        async (parameters, cancellation) =>
        {
            var token = await credential.GetTokenAsync(new TokenRequestContext([Scope]), cancellation).ConfigureAwait(false);
            return new SqlAuthenticationToken(token.Token, token.ExpiresOn);
        };
}
