// Bouncy Castle 1.72 (Debian libbcprov/libbcpkix/libbcutil) as an S/MIME interop peer
// for tests/interop/bouncycastle.test.ts. It works on CMS DER only: BC's
// org.bouncycastle.mail.smime needs JavaMail, which Debian does not pair with BC, so the
// test wraps and unwraps the MIME itself with the interop harness.
//
// Compiled at test time with javac into a temp directory (never commit .class files).
//
// Usage, one job per process:
//   (--stream: BC's streaming generators, as its S/MIME classes use; CBC only for encrypt)
//   sign    (--key K.pem --cert C.pem --alg SHA256withRSA)... [--chain I.pem]... [--sid ski] [--no-attrs] [--encapsulate] --in CONTENT --out SIG.der
//           (several --key/--cert/--alg triples: one SignerInfo each, in order)
//   encrypt --to CERT.pem[,kt=v15|oaep][,ka=ecdh-sha256|eccdh-sha256|...][,wrap=aes128|aes256][,rid=ski]... --cipher des3-cbc|aes128-cbc|aes192-cbc|aes256-cbc|aes128-gcm|aes256-gcm [--auth-attrs] --in CONTENT --out CMS.der
//   decrypt --key K.pem --cert C.pem --in CMS.der --out CONTENT
//   verify  --in SIG.der [--content CONTENT] [--out CONTENT] [--trust ROOT.pem] [--cert EXTRA.pem]...
// or many jobs in one JVM (saves the start-up cost): `batch` reads one job per line of
// stdin, arguments separated by TAB, and prints one line per job: "ok <info>" or
// "fail <reason>". A single job prints the same line and exits 0 (ok) or 1 (fail).
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.cms.SimpleAttributeTableGenerator;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.smime.SMIMECapabilitiesAttribute;
import org.bouncycastle.asn1.smime.SMIMECapability;
import org.bouncycastle.asn1.smime.SMIMECapabilityVector;
import org.bouncycastle.asn1.smime.SMIMEEncryptionKeyPreferenceAttribute;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSAlgorithm;
import org.bouncycastle.cms.CMSAuthEnvelopedData;
import org.bouncycastle.cms.CMSAuthEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedData;
import org.bouncycastle.cms.CMSEnvelopedDataGenerator;
import org.bouncycastle.cms.CMSEnvelopedDataStreamGenerator;
import org.bouncycastle.cms.CMSSignedDataStreamGenerator;
import org.bouncycastle.cms.CMSSignedGenerator;
import org.bouncycastle.cms.CMSEnvelopedGenerator;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSTypedData;
import org.bouncycastle.cms.KeyAgreeRecipientInformation;
import org.bouncycastle.cms.KeyTransRecipientInformation;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.bouncycastle.cms.RecipientInfoGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.cms.jcajce.JceCMSContentEncryptorBuilder;
import org.bouncycastle.cms.jcajce.JceKeyAgreeEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyAgreeRecipientInfoGenerator;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientInfoGenerator;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OutputAEADEncryptor;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaAlgorithmParametersConverter;
import org.bouncycastle.util.Store;

public final class CachetBc {
    private static final String BC = "BC";
    private static final JcaX509CertificateConverter CERTS = new JcaX509CertificateConverter().setProvider(BC);

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        if (args.length > 0 && args[0].equals("batch")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) continue;
                System.out.println(runJob(line.split("\t")));
                System.out.flush();
            }
            return;
        }
        String result = runJob(args);
        System.out.println(result);
        System.exit(result.startsWith("ok") ? 0 : 1);
    }

    /** One job; never throws: BC's refusals are results the test asserts on. */
    static String runJob(String[] args) {
        try {
            Opts o = new Opts(args);
            switch (args[0]) {
                case "sign": return "ok " + sign(o);
                case "encrypt": return "ok " + encrypt(o);
                case "decrypt": return "ok " + decrypt(o);
                case "verify": return "ok " + verify(o);
                default: return "fail unknown command " + args[0];
            }
        } catch (Throwable e) {
            StringBuilder msg = new StringBuilder(e.toString());
            for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) msg.append(" <- ").append(c);
            return "fail " + msg.toString().replace('\n', ' ');
        }
    }

    // ---- signing: CMSSignedDataGenerator with the attributes BC's SMIMESignedGenerator adds

    static String sign(Opts o) throws Exception {
        List<String> keys = o.all("--key"), certFiles = o.all("--cert"), algs = o.all("--alg");
        if (keys.isEmpty() || keys.size() != certFiles.size() || keys.size() != algs.size()) throw new IllegalArgumentException("--key/--cert/--alg must pair up");
        List<X509CertificateHolder> certs = new ArrayList<>();
        boolean stream = o.has("--stream");
        CMSSignedGenerator gen = stream ? new CMSSignedDataStreamGenerator() : new CMSSignedDataGenerator();
        for (int i = 0; i < keys.size(); i++) {
            X509CertificateHolder cert = readCerts(certFiles.get(i)).get(0);
            certs.add(cert);
            gen.addSignerInfoGenerator(signer(readKey(keys.get(i)), cert, algs.get(i), o.has("--sid") && o.one("--sid").equals("ski"), o.has("--no-attrs")));
        }
        for (String chain : o.all("--chain")) certs.addAll(readCerts(chain));
        gen.addCertificates(new org.bouncycastle.util.CollectionStore<>(certs));
        boolean encapsulate = o.has("--encapsulate");
        byte[] content = read(o.one("--in"));
        byte[] out;
        if (stream) {
            // What BC's SMIMESignedGenerator uses: indefinite lengths, content in chunks.
            ByteArrayOutputStream bOut = new ByteArrayOutputStream();
            OutputStream sOut = ((CMSSignedDataStreamGenerator) gen).open(bOut, encapsulate);
            pipe(content, sOut);
            out = bOut.toByteArray();
        } else {
            out = ((CMSSignedDataGenerator) gen).generate(new CMSProcessableByteArray(content), encapsulate).getEncoded();
        }
        Files.write(Paths.get(o.one("--out")), out);
        return (encapsulate ? "encapsulated " : "detached ") + (stream ? "stream " : "") + String.join("+", algs);
    }

    /** Write in 4 KiB pieces, as BC's Streams.pipeAll does from a MIME body. */
    static void pipe(byte[] content, OutputStream out) throws Exception {
        for (int i = 0; i < content.length; i += 4096) out.write(content, i, Math.min(4096, content.length - i));
        out.close();
    }

    static org.bouncycastle.cms.SignerInfoGenerator signer(PrivateKey key, X509CertificateHolder cert, String alg, boolean bySki, boolean noAttrs) throws Exception {

        // What org.bouncycastle.mail.smime.SMIMESignedGenerator puts in by default:
        // SMIMECapabilities (RFC 8551 §2.5.2) and SMIMEEncryptionKeyPreference.
        SMIMECapabilityVector caps = new SMIMECapabilityVector();
        caps.addCapability(SMIMECapability.aES256_CBC);
        caps.addCapability(SMIMECapability.aES192_CBC);
        caps.addCapability(SMIMECapability.aES128_CBC);
        caps.addCapability(SMIMECapability.dES_EDE3_CBC);
        ASN1EncodableVector attrs = new ASN1EncodableVector();
        attrs.add(new SMIMECapabilitiesAttribute(caps));
        attrs.add(new SMIMEEncryptionKeyPreferenceAttribute(new IssuerAndSerialNumber(cert.getIssuer(), cert.getSerialNumber())));

        JcaSimpleSignerInfoGeneratorBuilder b = new JcaSimpleSignerInfoGeneratorBuilder()
                .setProvider(BC)
                .setSignedAttributeGenerator(new AttributeTable(attrs));
        // No signed attributes at all (RFC 5652 §5.4: the signature is over the content).
        if (noAttrs) b.setDirectSignature(true);
        // SignerIdentifier: issuerAndSerialNumber (v1) or subjectKeyIdentifier (v3, RFC 5652 §5.3).
        return bySki ? b.build(alg, key, ski(cert)) : b.build(alg, key, cert);
    }

    static byte[] ski(X509CertificateHolder cert) {
        org.bouncycastle.asn1.x509.SubjectKeyIdentifier id = org.bouncycastle.asn1.x509.SubjectKeyIdentifier.fromExtensions(cert.getExtensions());
        if (id == null) throw new IllegalArgumentException("certificate has no subjectKeyIdentifier");
        return id.getKeyIdentifier();
    }

    // ---- verification: every signer, against the certificate carried in the message

    static String verify(Opts o) throws Exception {
        byte[] der = read(o.one("--in"));
        CMSSignedData sd = o.has("--content")
                ? new CMSSignedData(new CMSProcessableByteArray(read(o.one("--content"))), der)
                : new CMSSignedData(der);
        @SuppressWarnings("unchecked")
        Store<X509CertificateHolder> store = sd.getCertificates();
        StringBuilder info = new StringBuilder();
        int n = 0;
        for (SignerInformation si : sd.getSignerInfos().getSigners()) {
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> m = store.getMatches(si.getSID());
            if (m.isEmpty()) throw new IllegalStateException("signer certificate not in the message");
            X509CertificateHolder cert = m.iterator().next();
            if (!si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider(BC).build(cert))) {
                throw new IllegalStateException("signature does not verify for " + cert.getSubject());
            }
            if (o.has("--trust")) checkPath(cert, store, o);
            info.append(n++ == 0 ? "" : "; ").append("signer=").append(cert.getSubject())
                    .append(" digest=").append(si.getDigestAlgOID()).append(" sig=").append(si.getEncryptionAlgOID())
                    .append(" attrs=");
            AttributeTable signed = si.getSignedAttributes();
            if (signed != null) {
                List<String> oids = new ArrayList<>();
                for (org.bouncycastle.asn1.cms.Attribute a : signed.toASN1Structure().getAttributes()) oids.add(a.getAttrType().getId());
                info.append(String.join(",", oids));
            }
        }
        if (n == 0) throw new IllegalStateException("no signers");
        if (o.has("--out")) {
            if (sd.getSignedContent() == null) throw new IllegalStateException("no encapsulated content");
            Files.write(Paths.get(o.one("--out")), (byte[]) sd.getSignedContent().getContent());
        }
        return info.toString();
    }

    /** PKIX path from the signer to --trust, with the message's certificates and --cert (no revocation). */
    static void checkPath(X509CertificateHolder signer, Store<X509CertificateHolder> store, Opts o) throws Exception {
        List<X509Certificate> pool = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> all = store.getMatches(null);
        for (X509CertificateHolder h : all) pool.add(CERTS.getCertificate(h));
        for (String extra : o.all("--cert")) for (X509CertificateHolder h : readCerts(extra)) pool.add(CERTS.getCertificate(h));
        X509CertSelector target = new X509CertSelector();
        target.setCertificate(CERTS.getCertificate(signer));
        TrustAnchor anchor = new TrustAnchor(CERTS.getCertificate(readCerts(o.one("--trust")).get(0)), null);
        PKIXBuilderParameters p = new PKIXBuilderParameters(Collections.singleton(anchor), target);
        p.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(pool), BC));
        p.setRevocationEnabled(false);
        p.setDate(new Date());
        CertPathBuilder.getInstance("PKIX", BC).build(p);
    }

    // ---- encryption: EnvelopedData (CBC) or AuthEnvelopedData (GCM)

    static String encrypt(Opts o) throws Exception {
        String cipher = o.one("--cipher");
        boolean gcm = cipher.endsWith("-gcm");
        ASN1ObjectIdentifier content;
        switch (cipher) {
            case "des3-cbc": content = CMSAlgorithm.DES_EDE3_CBC; break;
            case "aes128-cbc": content = CMSAlgorithm.AES128_CBC; break;
            case "aes192-cbc": content = CMSAlgorithm.AES192_CBC; break;
            case "aes256-cbc": content = CMSAlgorithm.AES256_CBC; break;
            case "aes128-gcm": content = CMSAlgorithm.AES128_GCM; break;
            case "aes256-gcm": content = CMSAlgorithm.AES256_GCM; break;
            default: throw new IllegalArgumentException("cipher " + cipher);
        }
        boolean stream = o.has("--stream");
        if (stream && gcm) throw new IllegalArgumentException("BC 1.72 has no AuthEnvelopedData stream generator");
        CMSEnvelopedGenerator envGen = gcm ? null : stream ? new CMSEnvelopedDataStreamGenerator() : new CMSEnvelopedDataGenerator();
        CMSAuthEnvelopedDataGenerator authGen = gcm ? new CMSAuthEnvelopedDataGenerator() : null;
        if (gcm && o.has("--auth-attrs")) {
            // authAttrs (RFC 5083 §2.1): content type (required when present) and signing
            // time; their DER becomes the GCM additional authenticated data (§2.2).
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(new org.bouncycastle.asn1.cms.Attribute(CMSAttributes.contentType, new DERSet(CMSObjectIdentifiers.data)));
            v.add(new org.bouncycastle.asn1.cms.Attribute(CMSAttributes.signingTime, new DERSet(new Time(new Date()))));
            authGen.setAuthenticatedAttributeGenerator(new SimpleAttributeTableGenerator(new AttributeTable(v)));
        }
        StringBuilder info = new StringBuilder(cipher);
        for (String spec : o.all("--to")) {
            RecipientInfoGenerator rig = recipient(spec, info);
            if (gcm) authGen.addRecipientInfoGenerator(rig);
            else envGen.addRecipientInfoGenerator(rig);
        }
        byte[] plain = read(o.one("--in"));
        CMSTypedData data = new CMSProcessableByteArray(plain);
        OutputEncryptor enc = new JceCMSContentEncryptorBuilder(content).setProvider(BC).build();
        if (stream) {
            // What BC's SMIMEEnvelopedGenerator uses.
            ByteArrayOutputStream bOut = new ByteArrayOutputStream();
            pipe(plain, ((CMSEnvelopedDataStreamGenerator) envGen).open(bOut, enc));
            Files.write(Paths.get(o.one("--out")), bOut.toByteArray());
            return info.append(" stream").toString();
        }
        byte[] out = gcm
                ? authGen.generate(data, (OutputAEADEncryptor) enc).getEncoded()
                : ((CMSEnvelopedDataGenerator) envGen).generate(data, enc).getEncoded();
        Files.write(Paths.get(o.one("--out")), out);
        return info.toString();
    }

    /** "cert.pem,kt=oaep" or "cert.pem,ka=ecdh-sha256,wrap=aes256" → a recipient info generator. */
    static RecipientInfoGenerator recipient(String spec, StringBuilder info) throws Exception {
        String[] parts = spec.split(",");
        X509CertificateHolder holder = readCerts(parts[0]).get(0);
        X509Certificate cert = CERTS.getCertificate(holder);
        String kt = "v15", ka = "ecdh-sha256", wrap = "aes256", rid = "ias";
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv[0].equals("kt")) kt = kv[1];
            else if (kv[0].equals("ka")) ka = kv[1];
            else if (kv[0].equals("wrap")) wrap = kv[1];
            else if (kv[0].equals("rid")) rid = kv[1];
        }
        if (cert.getPublicKey() instanceof ECPublicKey) {
            ASN1ObjectIdentifier kaOid;
            switch (ka) {
                case "ecdh-sha1": kaOid = CMSAlgorithm.ECDH_SHA1KDF; break;
                case "ecdh-sha256": kaOid = CMSAlgorithm.ECDH_SHA256KDF; break;
                case "ecdh-sha384": kaOid = CMSAlgorithm.ECDH_SHA384KDF; break;
                case "ecdh-sha512": kaOid = CMSAlgorithm.ECDH_SHA512KDF; break;
                case "eccdh-sha256": kaOid = CMSAlgorithm.ECCDH_SHA256KDF; break;
                case "eccdh-sha384": kaOid = CMSAlgorithm.ECCDH_SHA384KDF; break;
                default: throw new IllegalArgumentException("ka " + ka);
            }
            ASN1ObjectIdentifier wrapOid = wrap.equals("aes128") ? CMSAlgorithm.AES128_WRAP
                    : wrap.equals("aes192") ? CMSAlgorithm.AES192_WRAP : CMSAlgorithm.AES256_WRAP;
            // Ephemeral-static (RFC 5753 §3.1): a fresh key pair on the recipient's curve.
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", BC);
            kpg.initialize(((ECPublicKey) cert.getPublicKey()).getParams());
            KeyPair eph = kpg.generateKeyPair();
            info.append(" ka=").append(ka).append("/").append(wrap);
            JceKeyAgreeRecipientInfoGenerator g = new JceKeyAgreeRecipientInfoGenerator(kaOid, eph.getPrivate(), eph.getPublic(), wrapOid);
            if (rid.equals("ski")) g.addRecipient(ski(holder), cert.getPublicKey());
            else g.addRecipient(cert);
            return g.setProvider(BC);
        }
        info.append(" kt=").append(kt);
        boolean bySki = rid.equals("ski");
        if (kt.equals("oaep")) {
            OAEPParameterSpec oaep = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
            AlgorithmIdentifier alg = new JcaAlgorithmParametersConverter().getAlgorithmIdentifier(PKCSObjectIdentifiers.id_RSAES_OAEP, oaep);
            return (bySki ? new JceKeyTransRecipientInfoGenerator(ski(holder), alg, cert.getPublicKey())
                    : new JceKeyTransRecipientInfoGenerator(cert, alg)).setProvider(BC);
        }
        return (bySki ? new JceKeyTransRecipientInfoGenerator(ski(holder), cert.getPublicKey())
                : new JceKeyTransRecipientInfoGenerator(cert)).setProvider(BC);
    }

    // ---- decryption: find our RecipientInfo by the certificate, then open the content

    static String decrypt(Opts o) throws Exception {
        byte[] der = read(o.one("--in"));
        PrivateKey key = readKey(o.one("--key"));
        X509CertificateHolder cert = readCerts(o.one("--cert")).get(0);
        ContentInfo ci = ContentInfo.getInstance(ASN1Primitive.fromByteArray(der));
        boolean auth = ci.getContentType().equals(CMSObjectIdentifiers.authEnvelopedData);
        RecipientInformationStore recipients = auth
                ? new CMSAuthEnvelopedData(der).getRecipientInfos()
                : new CMSEnvelopedData(der).getRecipientInfos();
        for (RecipientInformation ri : recipients.getRecipients()) {
            if (!ri.getRID().match(cert)) continue;
            Recipient r;
            String how;
            if (ri instanceof KeyTransRecipientInformation) {
                r = auth ? new JceKeyTransAuthEnvelopedRecipient(key).setProvider(BC)
                        : new JceKeyTransEnvelopedRecipient(key).setProvider(BC);
                how = "kt";
            } else if (ri instanceof KeyAgreeRecipientInformation) {
                // BC 1.72 has no JceKeyAgreeAuthEnvelopedRecipient; the enveloped one is used
                // for both (it may refuse AuthEnvelopedData, which the test records).
                r = new JceKeyAgreeEnvelopedRecipient(key).setProvider(BC);
                how = "ka";
            } else {
                throw new IllegalStateException("unsupported recipient " + ri.getClass().getSimpleName());
            }
            byte[] plain = ri.getContent(r);
            Files.write(Paths.get(o.one("--out")), plain);
            return (auth ? "auth-enveloped " : "enveloped ") + how + " keyEnc=" + ri.getKeyEncryptionAlgOID() + " " + plain.length + " bytes";
        }
        throw new IllegalStateException("no RecipientInfo for " + cert.getSubject());
    }

    // ---- files

    static byte[] read(String path) throws Exception {
        return Files.readAllBytes(Paths.get(path));
    }

    /** PKCS#8 ("PRIVATE KEY") or traditional PEM, as `openssl genpkey` writes it. */
    static PrivateKey readKey(String path) throws Exception {
        try (PEMParser p = new PEMParser(new StringReader(new String(read(path), StandardCharsets.US_ASCII)))) {
            Object obj = p.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
            if (obj instanceof PrivateKeyInfo) return conv.getPrivateKey((PrivateKeyInfo) obj);
            if (obj instanceof PEMKeyPair) return conv.getKeyPair((PEMKeyPair) obj).getPrivate();
            throw new IllegalArgumentException("no private key in " + path);
        }
    }

    /** Every certificate of a PEM file (or one DER certificate). */
    static List<X509CertificateHolder> readCerts(String path) throws Exception {
        byte[] b = read(path);
        List<X509CertificateHolder> out = new ArrayList<>();
        if (b.length > 0 && b[0] == 0x30) {
            out.add(new X509CertificateHolder(b));
            return out;
        }
        try (PEMParser p = new PEMParser(new StringReader(new String(b, StandardCharsets.US_ASCII)))) {
            Object obj;
            while ((obj = p.readObject()) != null) if (obj instanceof X509CertificateHolder) out.add((X509CertificateHolder) obj);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no certificate in " + path);
        return out;
    }

    /** --name value pairs; flags without a value are followed by another --name or the end. */
    static final class Opts {
        private final List<String[]> pairs = new ArrayList<>();

        Opts(String[] args) {
            for (int i = 1; i < args.length; i++) {
                String k = args[i];
                String v = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : null;
                pairs.add(new String[] { k, v });
            }
        }

        boolean has(String k) {
            for (String[] p : pairs) if (p[0].equals(k)) return true;
            return false;
        }

        String one(String k) {
            for (String[] p : pairs) if (p[0].equals(k) && p[1] != null) return p[1];
            throw new IllegalArgumentException("missing " + k);
        }

        List<String> all(String k) {
            List<String> out = new ArrayList<>();
            for (String[] p : pairs) if (p[0].equals(k) && p[1] != null) out.add(p[1]);
            return out;
        }
    }
}
