using System.Text;
using EdgeLite.Cli;

namespace EdgeLite.Tests.Cli;

/// <summary>The managed SHA-256 behind meta.json's model_sha256 (no OpenSSL: `edgelite run` aborted without libssl).</summary>
public class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void NistVectors(string message, string digest) => Assert.Equal(digest, Sha256.HashHex(Encoding.ASCII.GetBytes(message)));

    [Fact]
    public void AMillionAs() =>
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Sha256.HashHex(new byte[1_000_000].AsSpan().ToArray().Select(_ => (byte)'a').ToArray()));

    [Fact]
    public void EveryPaddingLengthAgreesWithTheFrameworkHash()
    {
        var rng = new Random(5);
        for (int n = 0; n < 300; n++)
        {
            var data = new byte[n];
            rng.NextBytes(data);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), Sha256.HashHex(data));
        }
        var model = File.ReadAllBytes(SharedData.Model("mobilenet_v1_0.25_128_quant"));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(model)), Sha256.HashHex(model));
    }

    [Fact]
    public void NoEdgeLiteAssemblyNeedsOpenSsl()
    {
        foreach (var asm in new[] { typeof(Model).Assembly, typeof(EdgeLite.Vision.RgbImage).Assembly, typeof(EdgeLite.Cli.Cli).Assembly })
            Assert.DoesNotContain(asm.GetReferencedAssemblies(), r => r.Name == "System.Security.Cryptography");
    }
}
