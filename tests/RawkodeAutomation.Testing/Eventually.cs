namespace RawkodeAutomation.Testing;

/// <summary>
/// The one wait-with-deadline helper of the tests: polls until a condition holds, never a fixed sleep. A test says
/// what it waits for, so a timeout names it with the last thing seen (value or exception). Deadlines are generous:
/// they only matter when something is broken, and CI machines are busy.
/// </summary>
public static class Eventually
{
    /// <summary>The deadline when a test does not give one.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Observes with <paramref name="probe"/> until <paramref name="done"/> holds and returns that observation; throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and the last observation once the deadline passes.
    /// </summary>
    /// <param name="tolerate">
    /// Exceptions of the probe that mean "not yet" (e.g. a workflow that does not exist yet); any other is thrown at once.
    /// </param>
    public static async Task<T> WaitAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null, Func<Exception, bool>? tolerate = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        var last = "nothing yet";
        while (true)
        {
            try
            {
                var value = await probe().ConfigureAwait(false);
                if (done(value))
                {
                    return value;
                }
                last = Describe(value);
            }
            catch (Exception e) when (tolerate?.Invoke(e) == true)
            {
                last = $"{e.GetType().Name}: {e.Message}";
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {limit}; last seen: {last}");
            }
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (see <see cref="WaitAsync{T}"/>).</summary>
    public static Task ThatAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(condition, holds => holds, what, timeout);

    /// <summary>Waits until a synchronous <paramref name="condition"/> holds (see <see cref="WaitAsync{T}"/>).</summary>
    public static Task ThatAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(() => Task.FromResult(condition()), holds => holds, what, timeout);

    private static string Describe<T>(T value)
    {
        if (value is null or bool or string || value.GetType().IsPrimitive)
        {
            return value?.ToString() ?? "null";
        }
        try
        {
            return System.Text.Json.JsonSerializer.Serialize(value);
        }
        catch (NotSupportedException)
        {
            return value.ToString() ?? "";
        }
    }
}
