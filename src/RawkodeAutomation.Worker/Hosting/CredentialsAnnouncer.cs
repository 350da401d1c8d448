using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RawkodeAutomation.Worker.Activities;
using RawkodeAutomation.YouTube;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace RawkodeAutomation.Worker.Hosting;

/// <summary>
/// Tells the quota entity, once the worker starts, which YouTube credentials it calls with (a fingerprint). Calls
/// parked because YouTube refused the credentials wait for exactly this: a worker started with other ones (the operator
/// fixed <c>YouTube:RefreshToken</c> and restarted) lets them run again by themselves.
/// </summary>
public sealed class CredentialsAnnouncer(ITemporalClient client, IOptions<PipelineOptions> pipeline, IOptions<YouTubeOptions> youtube, ILogger<CredentialsAnnouncer> logger)
    : BackgroundService
{
    /// <summary>
    /// A fingerprint of the credentials and the endpoint that checks them: equal for equal credentials, and saying
    /// nothing about them (the first 16 hex digits of a SHA-256; the quota entity's state is visible to operators).
    /// </summary>
    public static string Fingerprint(YouTubeOptions options)
    {
        var text = string.Join('\n', options.ClientId, options.ClientSecret, options.RefreshToken, options.TokenUri.AbsoluteUri);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var fingerprint = Fingerprint(youtube.Value);
        // Temporal may still be starting (or restarting): keep trying until it answers or the host stops.
        for (var delay = TimeSpan.FromSeconds(1); !stoppingToken.IsCancellationRequested; delay = delay * 2 > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : delay * 2)
        {
            try
            {
                await EnsureQuotaEntity.SignalWithStartAsync(client, pipeline.Value, wf => wf.CredentialsInUseAsync(fingerprint)).ConfigureAwait(false);
                return;
            }
            catch (RpcException e)
            {
                logger.LogInformation("Could not tell the quota entity which YouTube credentials are in use yet ({Error}); trying again in {Delay}", e.Message, delay);
            }
            try
            {
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
