package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.coffre.remote.mega.TestBytes.hex;
import static dev.coffre.remote.mega.TestBytes.sha1;
import static dev.coffre.remote.mega.TestBytes.tb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Known-answer tests: every vector of §8 of mega-protocol.md (shared/ beside the project), each with the
 * section it comes from. Those values were recomputed there by an independent implementation and taken
 * from megajs's, mega-mock's and MegaApiClient's own test data and from the real service.
 */
class MegaVectorsTest {

    @Nested
    @DisplayName("§8.1 v1 password key and user hash")
    class PasswordV1 {
        @Test
        void prepareKey() {
            assertEquals("c4589a459956887caf0b408635c3c03b", hex(PasswordKeys.prepareKey(tb(8))));
            assertEquals("59930b1c55d783ac77df4c4ff261b0f1", hex(PasswordKeys.prepareKey(tb(10))));
            assertEquals("83bd84689f057f9ed9834b3ecb81d80e", hex(PasswordKeys.prepareKey(tb(64))));
        }

        @Test
        void stringHash() {
            byte[] key = PasswordKeys.prepareKey(tb(8));
            assertEquals("9e791646c66840b5", hex(PasswordKeys.userHash(tb(10), key)));
            assertEquals("6ba07aca224e84a4", hex(PasswordKeys.userHash(tb(16), key)));
            assertEquals("6a1e6c5539c0ed48", hex(PasswordKeys.userHash(tb(32), key)));
        }

        @Test
        void emptyPasswordLeavesTheConstant() {
            assertEquals("93c467e37db0c7a4d1be3f810152cb56", hex(PasswordKeys.prepareKey(new byte[0])));
        }

        @Test
        @DisplayName("passwords are turned into bytes as the webclient does: Latin-1 below 0x100, not UTF-8")
        void jsStringBytes() {
            assertEquals("6de96f63", hex(PasswordKeys.jsStringBytes("m\u00e9oc".toCharArray())));
            // U+20AC at position 1 is shifted left by 16: its high byte 0x20 spills into byte 0 ('A' = 0x41).
            assertEquals("61ac0000", hex(PasswordKeys.jsStringBytes("A\u20ac".toCharArray())));
        }
    }

    @Nested
    @DisplayName("§8.2 full v1 login of mega-mock's preloaded account")
    class LoginV1 {
        @Test
        void passwordKeyAndUserHash() {
            PasswordKeys.LoginKey key = PasswordKeys.v1("mock@test", "mock".toCharArray());
            assertEquals("148ed5027fa78a9e97a444159a54c621", hex(key.passwordKey()));
            assertEquals("jCf2Pc0pLCU", key.userHash());
            assertEquals(key.userHash(), PasswordKeys.v1("  MOCK@Test ", "mock".toCharArray()).userHash());
        }

        @Test
        void masterKey() {
            byte[] pwk = hex("148ed5027fa78a9e97a444159a54c621");
            byte[] mk = Aes128.decryptEcb(pwk, Base64Url.decode("xMEmMmKm0AbbOf9nGPLgSA"));
            assertEquals("0000006d0000006f000000630000006b", hex(mk));
        }

        @Test
        @DisplayName("privk decodes and passes the SDK's checks; csid decrypts to the mock's sid (which lacks the handle)")
        void privateKeyAndSession() throws Exception {
            // privk and csid are long: read from mega-mock's own file, the source the spec cites.
            JsonNode users = new ObjectMapper().readTree(
                    NpmTools.modules().resolve("mega-mock/cli/preloaded-users.json").toFile());
            JsonNode user = users.get("jCf2Pc0pLCU");
            assertEquals("xMEmMmKm0AbbOf9nGPLgSA", user.get("k").asText());
            byte[] mk = hex("0000006d0000006f000000630000006b");

            byte[] privk = Aes128.decryptEcb(mk, Base64Url.decode(user.get("privk").asText()));
            assertEquals(656, privk.length);
            int[] at = {0};
            int[] bits = new int[4];
            for (int i = 0; i < 4; i++) {
                bits[i] = RsaPrivateKey.readMpi(privk, at[0], at).bitLength();
            }
            assertArrayEquals(new int[]{1024, 1024, 2048, 1020}, bits, "p, q, d, u");
            assertEquals(648, at[0], "648 bytes used, 8 of padding");
            RsaPrivateKey rsa = RsaPrivateKey.decode(privk); // includes u == p^-1 mod q
            assertEquals(2048, rsa.modulusBits());

            byte[] csid = Base64Url.decode(user.get("csid").asText());
            assertEquals(258, csid.length);
            assertEquals(2048, ((csid[0] & 0xFF) << 8) | (csid[1] & 0xFF), "MPI header: 2048 bits");
            assertEquals(254, rsa.decrypt(csid).length, "m written into 254 bytes");
            byte[] sid = SessionIds.fromCsid(rsa, csid);
            assertEquals("jCf2Pc0pLCU_megamock_megamock_megamock_megZR61HfxJk1rXbG5A", Base64Url.encode(sid));
            assertFalse(SessionIds.embedsHandle(sid, "jCf2Pc0pLCU"), "the mock's sid has no handle at 16..26");
        }

        @Test
        @DisplayName("a tampered privk (one flipped ciphertext block) is refused by the sanity checks")
        void tamperedPrivateKeyIsRefused() throws Exception {
            JsonNode users = new ObjectMapper().readTree(
                    NpmTools.modules().resolve("mega-mock/cli/preloaded-users.json").toFile());
            byte[] mk = hex("0000006d0000006f000000630000006b");
            byte[] wrapped = Base64Url.decode(users.get("jCf2Pc0pLCU").get("privk").asText());
            wrapped[wrapped.length - 20] ^= 1; // inside u: u no longer equals p^-1 mod q
            byte[] privk = Aes128.decryptEcb(mk, wrapped);
            assertThrows(IllegalArgumentException.class, () -> RsaPrivateKey.decode(privk));
        }
    }

    @Nested
    @DisplayName("§8.3 AES-CTR and file MAC")
    class CtrAndMac {
        @Test
        void ctrOnly() throws Exception {
            byte[] k = tb(24);
            byte[] data = tb(32);
            FileCipher.apply(Arrays.copyOf(k, 16), Arrays.copyOfRange(k, 16, 24), 0, data, 0, data.length);
            assertEquals("8de7dac3d95eca9fd74f30c1ecf8247a8f25d1b3fd2d11a8a7b458d16a085434", hex(data));

            byte[] big = tb(151511);
            FileCipher.apply(Arrays.copyOf(k, 16), Arrays.copyOfRange(k, 16, 24), 0, big, 0, big.length);
            assertEquals("2ec4f058ba6100f7e28b4ff7bb9a711a5de57c64", sha1(big));
        }

        @Test
        @DisplayName("CTR started at any offset, in any piece sizes, gives the same stream as from 0")
        void ctrAtAnyOffset() {
            byte[] k = tb(24);
            byte[] aes = Arrays.copyOf(k, 16);
            byte[] nonce = Arrays.copyOfRange(k, 16, 24);
            byte[] whole = tb(5000);
            FileCipher.apply(aes, nonce, 0, whole, 0, whole.length);
            for (int start : new int[]{1, 15, 16, 17, 31, 4095, 4096, 4097}) {
                byte[] piece = Arrays.copyOfRange(tb(5000), start, 4999);
                FileCipher.apply(aes, nonce, start, piece, 0, piece.length);
                assertArrayEquals(Arrays.copyOfRange(whole, start, 4999), piece, "offset " + start);
            }
        }

        @Test
        void encryptPlusMac() throws Exception {
            byte[] k = tb(24, 100, 7);
            byte[] aes = Arrays.copyOf(k, 16);
            byte[] nonce = Arrays.copyOfRange(k, 16, 24);
            byte[] data = tb(151511);
            byte[] metaMac = FileMac.metaMac(aes, nonce, data);
            FileKey key = new FileKey(aes, nonce, metaMac);
            assertEquals("b0b0909070707093e957d163217c2f3fd4dbe2e9f0f7fe0675f47bd299c3e9f2", hex(key.pack()));
            FileCipher.apply(key, 0, data, 0, data.length);
            assertEquals("addb96c07ac4e6b66316b81530256c911b0b49d1", sha1(data));
        }

        @Test
        void macOnly() {
            FileKey key = FileKey.unpack(Base64Url.decode("AAAAAAAAAABnFCfbJFwAxwAAAAAAAAAAZxQn2yRcAMc"));
            assertEquals("671427db245c00c7", hex(FileMac.metaMac(key.aesKey(), key.nonce(), tb(151511))));
            assertEquals("671427db245c00c7", hex(key.metaMac()));
        }

        @Test
        void zeroKeyAndNonce() {
            byte[] zero16 = new byte[16];
            byte[] zero8 = new byte[8];
            byte[] mac = FileMac.metaMac(zero16, zero8, new byte[16]);
            assertEquals("a577239d333a9e46", hex(mac));
            FileKey key = new FileKey(zero16, zero8, mac);
            assertEquals("AAAAAAAAAACldyOdMzqeRgAAAAAAAAAApXcjnTM6nkY", Base64Url.encode(key.pack()));
            assertTrue(key.isZeroKey(), "equal halves mean a zero AES key: refused on read");

            byte[] big = FileMac.metaMac(zero16, zero8, tb(2097152));
            assertEquals("0000000000000000831f1ab870f945580000000000000000831f1ab870f94558",
                    hex(new FileKey(zero16, zero8, big).pack()));
        }

        @Test
        @DisplayName("chunk table (the cases of go-mega's TestGetChunkSizes, recomputed from the rule)")
        void chunkTable() {
            assertEquals(List.of(), chunks(0));
            assertEquals(List.of(List.of(0L, 1L)), chunks(1));
            assertEquals(List.of(List.of(0L, 131071L)), chunks(128 * 1024 - 1));
            assertEquals(List.of(List.of(0L, 131072L)), chunks(128 * 1024));
            assertEquals(List.of(List.of(0L, 131072L), List.of(131072L, 1L)), chunks(128 * 1024 + 1));
            assertEquals(List.of(List.of(0L, 131072L), List.of(131072L, 262143L)), chunks(384 * 1024 - 1));
            assertEquals(List.of(List.of(0L, 131072L), List.of(131072L, 262144L)), chunks(384 * 1024));
            assertEquals(List.of(List.of(0L, 131072L), List.of(131072L, 262144L), List.of(393216L, 1L)),
                    chunks(384 * 1024 + 1));
            List<List<Long>> fiveMiB = new ArrayList<>();
            long[] starts = {0, 128, 384, 768, 1280, 1920, 2688, 3584, 4608};
            for (int i = 0; i < starts.length; i++) {
                fiveMiB.add(List.of(starts[i] * 1024, (i + 1) * 128L * 1024));
            }
            fiveMiB.set(8, List.of(4608L * 1024, 512L * 1024)); // 5 MiB ends half-way through chunk 8
            assertEquals(fiveMiB, chunks(5 * 1024 * 1024));
            List<List<Long>> tenMiB = chunks(10 * 1024 * 1024);
            assertEquals(14, tenMiB.size());
            assertEquals(List.of(8704L * 1024, 1024L * 1024), tenMiB.get(12));
            assertEquals(List.of(9728L * 1024, 512L * 1024), tenMiB.get(13));
        }

        private List<List<Long>> chunks(long size) {
            List<List<Long>> out = new ArrayList<>();
            for (long i = 0; i < Chunks.count(size); i++) {
                out.add(List.of(Chunks.start(i), (long) Chunks.length(i, size)));
            }
            return out;
        }

        @Test
        @DisplayName("§4.4: megajs's boundary variant (an extra nonce||nonce chunk MAC) is told apart and accepted")
        void megajsBoundaryVariant() {
            byte[] zero16 = new byte[16];
            byte[] zero8 = new byte[8];
            byte[] data = tb(131072);
            FileMac.Calculator calculator = new FileMac.Calculator(zero16, zero8);
            calculator.update(data, 0, data.length);
            List<byte[]> macs = calculator.finish();
            assertEquals(1, macs.size());
            List<byte[]> megajs = new ArrayList<>(macs);
            megajs.add(new byte[16]);
            byte[] sdkRule = FileMac.condense(zero16, macs);
            byte[] megajsRule = FileMac.condense(zero16, megajs);
            assertEquals("d199ba139f534e63", hex(sdkRule));
            assertEquals("9ff6b8256bcee61b", hex(megajsRule));
            assertEquals(FileMac.Verdict.VERIFIED, FileMac.check(new FileKey(zero16, zero8, sdkRule), macs, data.length));
            assertEquals(FileMac.Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT,
                    FileMac.check(new FileKey(zero16, zero8, megajsRule), macs, data.length));
        }

        @Test
        @DisplayName("megajs's variant also for a size whose last, partial 16-byte block reaches a boundary")
        void megajsBoundaryVariantJustBelowBoundary() {
            byte[] zero16 = new byte[16];
            byte[] zero8 = new byte[8];
            for (int size : new int[] {131071, 131057}) {
                byte[] data = tb(size);
                FileMac.Calculator calculator = new FileMac.Calculator(zero16, zero8);
                calculator.update(data, 0, data.length);
                List<byte[]> macs = calculator.finish();
                List<byte[]> megajs = new ArrayList<>(macs);
                megajs.add(new byte[16]);
                byte[] megajsRule = FileMac.condense(zero16, megajs);
                assertEquals(FileMac.Verdict.VERIFIED_MEGAJS_BOUNDARY_VARIANT,
                        FileMac.check(new FileKey(zero16, zero8, megajsRule), macs, data.length), "size " + size);
            }
            byte[] data = tb(131056); // its last block ends 16 bytes short: megajs closes no chunk early
            FileMac.Calculator calculator = new FileMac.Calculator(zero16, zero8);
            calculator.update(data, 0, data.length);
            List<byte[]> megajs = new ArrayList<>(calculator.finish());
            megajs.add(new byte[16]);
            assertEquals(FileMac.Verdict.MISMATCH,
                    FileMac.check(new FileKey(zero16, zero8, FileMac.condense(zero16, megajs)), calculator.finish(), 131056));
        }
    }

    @Nested
    @DisplayName("§8.4 real-server link keys (MAC layout proof)")
    class RealLinks {
        static final String JPG_LINK = "https://mega.nz/file/3MolSBjA#Jdd26GHPF2sfj40IakU46UMNJAvInEPX4QlWT2oWYNQ";
        static final String ZIP_LINK = "https://mega.nz/file/eIRnyIiQ#iFqZubk4ETI8H2rPhwMRjQaQ3puHlsSvc-bWby9E87o";

        @Test
        void metaMacIsKeyBytes24To31() {
            assertEquals("e109564f6a1660d4", hex(PublicLink.parse(JPG_LINK).fileKey().metaMac()));
            assertEquals("73e6d66f2f44f3ba", hex(PublicLink.parse(ZIP_LINK).fileKey().metaMac()));
            assertEquals(16, PublicLink.parse("https://mega.nz/folder/PIZlnRaY#KIOsd4bKgGQmB3gOH2VeGA").key().length);
        }

        /**
         * The files themselves belong to MegaApiClient's repository and are not copied into ours: point
         * {@code -Dmega.samples=DIR} at a folder holding SampleFile.jpg, SampleFileUpSideDown.jpg and
         * SampleZipFile.zip to check the MACs and fingerprints of §8.4/§8.5 against their content.
         */
        @Test
        @EnabledIfSystemProperty(named = "mega.samples", matches = ".+")
        void macsOfTheRealFiles() throws Exception {
            Path dir = Path.of(System.getProperty("mega.samples"));
            assertRealMac(Files.readAllBytes(dir.resolve("SampleFile.jpg")), JPG_LINK,
                    "32c2942197647bfb13920f2953ac2cb1899c396cff60de5b4bbcdaabb83ed846");
            assertRealMac(Files.readAllBytes(dir.resolve("SampleZipFile.zip")), ZIP_LINK,
                    "16c0d1fbd997c928ab1f29574db38885dac1aec28cb6708f5636b205baf86657");
        }

        private void assertRealMac(byte[] content, String link, String sha256) throws Exception {
            assertEquals(sha256, TestBytes.sha256(content));
            FileKey key = PublicLink.parse(link).fileKey();
            assertEquals(hex(key.metaMac()), hex(FileMac.metaMac(key.aesKey(), key.nonce(), content)));
        }

        @Test
        @EnabledIfSystemProperty(named = "mega.samples", matches = ".+")
        @DisplayName("§8.5 fingerprints of the real files")
        void fingerprintsOfTheRealFiles() throws Exception {
            Path dir = Path.of(System.getProperty("mega.samples"));
            long mtime2023 = Instant.parse("2023-03-05T07:02:15Z").getEpochSecond();
            assertEquals("GRSM8-c1HUmlmyDuTJVrDwQgd65e",
                    Fingerprint.of(Files.readAllBytes(dir.resolve("SampleFile.jpg")), 1588492064L));
            assertEquals("hDL3WKxHmI6lMM92r43BWQR3PgRk",
                    Fingerprint.of(Files.readAllBytes(dir.resolve("SampleFileUpSideDown.jpg")), mtime2023));
            assertEquals("sKBj43s_QyradRQ1YlmxhAR3PgRk",
                    Fingerprint.of(Files.readAllBytes(dir.resolve("SampleZipFile.zip")), mtime2023));
        }
    }

    @Nested
    @DisplayName("§8.5 fingerprints (the parts that do not need the files' content)")
    class Fingerprints {
        @Test
        void mtimesDecode() {
            assertEquals(1588492064L, Fingerprint.parse("GRSM8-c1HUmlmyDuTJVrDwQgd65e").mtime());
            long mtime2023 = Instant.parse("2023-03-05T07:02:15Z").getEpochSecond();
            assertEquals(mtime2023, Fingerprint.parse("hDL3WKxHmI6lMM92r43BWQR3PgRk").mtime());
            assertEquals(mtime2023, Fingerprint.parse("sKBj43s_QyradRQ1YlmxhAR3PgRk").mtime());
            assertEquals(1436853891L, Fingerprint.parse("GRSM8+c1HUmlmyDuTJVrDwSDpqRV").mtime(), "§8.6, + alphabet");
        }

        @Test
        @DisplayName("small and medium sizes: the bytes themselves, then four CRC-32s of quarters; mtime 0 has no bytes")
        void smallAndMediumRules() throws Exception {
            byte[] five = {1, 2, 3, 4, 5};
            assertEquals(Base64Url.encode(concat(Arrays.copyOf(five, 16), new byte[]{0})), Fingerprint.of(five, 0));
            byte[] data = tb(100);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(data, 25, 25);
            byte[] raw = Base64Url.decode(Fingerprint.of(data, 0x0102));
            assertEquals(String.format("%08x", crc.getValue()), hex(Arrays.copyOfRange(raw, 4, 8)));
            assertEquals("020201", hex(Arrays.copyOfRange(raw, 16, 19)));
        }

        private byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }

    @Nested
    @DisplayName("§8.6 attribute ciphertext from the real service")
    class Attributes {
        static final String CIPHERTEXT = "ZlDcSbnpVQfDxIlrQZaioVBSGhJu972wI8WMBIpLn8VLWIMX631gUSmq3C1ANx5EJwZwwvPRsa02RxWsPpNwTA";

        @Test
        void decryptsAndRoundTrips() {
            byte[] key = hex("2a28fe0963c9ae34e2155a9b51320209");
            byte[] plain = Aes128.decryptCbc0(key, Base64Url.decode(CIPHERTEXT));
            byte[] expected = "MEGA{\"n\":\"SharedFile.jpg\",\"c\":\"GRSM8+c1HUmlmyDuTJVrDwSDpqRV\"}\0\0\0"
                    .getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(expected, plain);
            Map<String, Object> attributes = NodeAttributes.decrypt(key, Base64Url.decode(CIPHERTEXT));
            assertEquals("SharedFile.jpg", attributes.get("n"));
            assertEquals(CIPHERTEXT, Base64Url.encode(NodeAttributes.encrypt(key, attributes)));
        }

        @Test
        void wrongKeyIsRefused() {
            byte[] key = hex("2a28fe0963c9ae34e2155a9b51320208");
            assertThrows(IllegalArgumentException.class, () -> NodeAttributes.decrypt(key, Base64Url.decode(CIPHERTEXT)));
        }
    }

    @Nested
    @DisplayName("§8.7 v2 derivation (computed independently)")
    class PasswordV2 {
        @Test
        void saltPasswordKeyUserHashAndHak() throws Exception {
            byte[] seed = new byte[200 + 16];
            byte[] megaNz = "mega.nz".getBytes(StandardCharsets.US_ASCII);
            Arrays.fill(seed, 0, 200, (byte) 'P');
            System.arraycopy(megaNz, 0, seed, 0, megaNz.length);
            byte[] salt = MessageDigest.getInstance("SHA-256").digest(seed);
            assertEquals("seGXsAWsLoT0FEuyAPgbchKkn0dRfOzV95mK_5BCu1c", Base64Url.encode(salt));

            PasswordKeys.LoginKey key = PasswordKeys.v2("mock".toCharArray(), salt);
            assertEquals("1c749748da6b9561158508b22d0b1ece", hex(key.passwordKey()));
            assertEquals("l6wcPoOeLRhWTW2lJKXfSg", key.userHash());
            byte[] hak = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(Base64Url.decode(key.userHash())), 16);
            assertEquals("7e945f03e95b6508a59d56e42c77f242", hex(hak));
        }
    }

    @Nested
    @DisplayName("§8.8 public-link parsing")
    class Links {
        @Test
        void newAndLegacyFormsAgree() {
            String key = "AAAAAAAAAACldyOdMzqeRgAAAAAAAAAApXcjnTM6nkY";
            for (String link : List.of("https://mega.nz/file/AAAAAAAE#" + key, "https://mega.nz/#!AAAAAAAE!" + key,
                    "https://mega.co.nz/#!AAAAAAAE!" + key)) {
                PublicLink parsed = PublicLink.parse(link);
                assertEquals(PublicLink.Kind.FILE, parsed.kind());
                assertEquals("AAAAAAAE", parsed.handle());
                assertEquals(key, Base64Url.encode(parsed.key()));
                assertEquals("a577239d333a9e46", hex(parsed.fileKey().metaMac()));
                assertFalse(parsed.toString().contains(key), "keys stay out of toString");
            }
        }

        @Test
        void linksWithoutKeyAreRefused() {
            assertThrows(IllegalArgumentException.class, () -> PublicLink.parse("https://mega.nz/#!axYS1TLL"));
            assertThrows(IllegalArgumentException.class, () -> PublicLink.parse("https://mega.nz/#!axYS1TLL!"));
            assertThrows(IllegalArgumentException.class, () -> PublicLink.parse("https://mega.nz/file/axYS1TLL"));
            assertThrows(IllegalArgumentException.class, () -> PublicLink.parse("https://mega.nz/file/axYS1TLL#"));
        }

        @Test
        void folderLinksWithAnItem() {
            PublicLink folder = PublicLink.parse("https://mega.nz/folder/PIZlnRaY#KIOsd4bKgGQmB3gOH2VeGA/file/2QgnCCpB");
            assertEquals(PublicLink.Kind.FOLDER, folder.kind());
            assertEquals("PIZlnRaY", folder.handle());
            assertEquals("2QgnCCpB", folder.childHandle());
            assertEquals(PublicLink.Kind.FOLDER, PublicLink.parse("https://mega.nz/#F!PIZlnRaY!KIOsd4bKgGQmB3gOH2VeGA").kind());
        }
    }
}
