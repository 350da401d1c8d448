using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RawkodeAutomation.Kubernetes.Sandbox;

/// <summary>
/// The certificates of one sandbox cluster, as kubeadm makes them (https://kubernetes.io/docs/setup/best-practices/certificates/):
/// a self-signed cluster CA, the API server's serving certificate signed by it (SANs for loopback and the
/// <c>kubernetes.default.svc</c> names), client certificates for users (CN = user, O = groups), and the key that signs
/// ServiceAccount tokens. Everything is generated at start with System.Security.Cryptography (ECDSA P-256) and can be
/// exported and imported as PEM so a restarted sandbox keeps the kubeconfigs it handed out valid.
/// </summary>
public sealed class ClusterPki : IDisposable
{
    private readonly ECDsa _caKey;
    private readonly ECDsa _serviceAccountKey;

    private ClusterPki(X509Certificate2 ca, ECDsa caKey, ECDsa serviceAccountKey, IReadOnlyList<string> hosts)
    {
        CaCertificate = ca;
        _caKey = caKey;
        _serviceAccountKey = serviceAccountKey;
        ServingCertificate = IssueServing(hosts);
    }

    /// <summary>The cluster CA (what <c>certificate-authority-data</c> holds).</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>The CA certificate as PEM.</summary>
    public string CaPem => CaCertificate.ExportCertificatePem();

    /// <summary>The API server's serving certificate, with its private key.</summary>
    internal X509Certificate2 ServingCertificate { get; }

    /// <summary>The key ServiceAccount tokens are signed with (ES256).</summary>
    internal ECDsa ServiceAccountKey => _serviceAccountKey;

    /// <summary>A new CA and keys for a cluster whose API server answers on <paramref name="hosts"/> (IPs or DNS names).</summary>
    public static ClusterPki Create(IEnumerable<string> hosts)
    {
        var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=kubernetes"), caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return new ClusterPki(X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert)), caKey, ECDsa.Create(ECCurve.NamedCurves.nistP256), [.. hosts]);
    }

    /// <summary>Restores a PKI exported with <see cref="Export"/>; the serving certificate is issued anew for <paramref name="hosts"/>.</summary>
    public static ClusterPki Import(PkiState state, IEnumerable<string> hosts)
    {
        var caKey = ECDsa.Create();
        caKey.ImportFromPem(state.CaKeyPem);
        var serviceAccountKey = ECDsa.Create();
        serviceAccountKey.ImportFromPem(state.ServiceAccountKeyPem);
        return new ClusterPki(X509Certificate2.CreateFromPem(state.CaCertificatePem), caKey, serviceAccountKey, [.. hosts]);
    }

    /// <summary>The CA and signing keys as PEM (for the sandbox's state file).</summary>
    public PkiState Export() => new(CaPem, _caKey.ExportPkcs8PrivateKeyPem(), _serviceAccountKey.ExportPkcs8PrivateKeyPem());

    /// <summary>A client certificate for <paramref name="user"/> in <paramref name="groups"/>: (certificate PEM, key PEM).</summary>
    public (string CertificatePem, string KeyPem) IssueClient(string user, IEnumerable<string> groups, TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = "CN=" + Escape(user) + string.Concat(groups.Select(g => ", O=" + Escape(g)));
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(CaCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddMinutes(-5), now.Add(validity ?? TimeSpan.FromDays(365)), Serial());
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// The user a client certificate names, when the cluster CA signed it and it is valid now: CN is the user, each O a
    /// group (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates).
    /// </summary>
    internal UserInfo? Authenticate(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        if (!chain.Build(certificate))
        {
            return null;
        }

        var names = certificate.SubjectName.EnumerateRelativeDistinguishedNames().ToList();
        string? Value(string oid) => names.Where(n => n.GetSingleElementType().Value == oid).Select(n => n.GetSingleElementValue()).FirstOrDefault();
        var user = Value("2.5.4.3");
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }

        var groups = names.Where(n => n.GetSingleElementType().Value == "2.5.4.10").Select(n => n.GetSingleElementValue() ?? "").Where(g => g.Length > 0);
        return new UserInfo(user, [.. groups, UserInfo.Authenticated]);
    }

    private X509Certificate2 IssueServing(IReadOnlyList<string> hosts)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=kube-apiserver"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in new[] { "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local" })
        {
            names.AddDnsName(dns);
        }

        names.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        names.AddIpAddress(IPAddress.Loopback);
        foreach (var host in hosts.Distinct(StringComparer.Ordinal))
        {
            if (IPAddress.TryParse(host, out var ip))
            {
                if (!ip.Equals(IPAddress.Loopback))
                {
                    names.AddIpAddress(ip);
                }
            }
            else if (host != "localhost")
            {
                names.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(CaCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddMinutes(-5), now.AddYears(1), Serial());
        using var withKey = certificate.CopyWithPrivateKey(key);

        // Kestrel needs a certificate whose key outlives this method: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] Serial() => RandomNumberGenerator.GetBytes(16);

    private static string Escape(string value) =>
        value.IndexOfAny([',', '+', '"', '\\', '<', '>', ';', '=']) >= 0 ? "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : value;

    public void Dispose()
    {
        _caKey.Dispose();
        _serviceAccountKey.Dispose();
        CaCertificate.Dispose();
        ServingCertificate.Dispose();
    }
}

/// <summary>A cluster PKI's secrets as PEM, for persisting a sandbox across restarts.</summary>
public sealed record PkiState(string CaCertificatePem, string CaKeyPem, string ServiceAccountKeyPem);
