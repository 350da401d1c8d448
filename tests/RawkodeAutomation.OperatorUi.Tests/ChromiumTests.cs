namespace RawkodeAutomation.OperatorUi.Tests;

public sealed class ChromiumTests
{
    [Fact]
    public void Find_NoChromiumAnywhere_FailsSayingHowToInstall()
    {
        var empty = Directory.CreateTempSubdirectory("no-chromium-");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => Chromium.Find(null, [empty.FullName]));

            Assert.Contains("apt-get install -y chromium", error.Message, StringComparison.Ordinal);
            Assert.Contains(Chromium.PathVariable, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void Find_ConfiguredPathMissing_FailsNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Chromium.Find("/nonexistent/chromium", []));

        Assert.Contains("'/nonexistent/chromium'", error.Message, StringComparison.Ordinal);
    }
}
