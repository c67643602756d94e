#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

/// The first subject common name of the DER-encoded certificate `der`, as UTF-8 in `out` (not
/// terminated); its length, or -1 when the certificate cannot be read, names no common name, or the
/// name is longer than `capacity`.
static inline int stowage_certificate_common_name(const unsigned char *der, long length, unsigned char *out, int capacity) {
    const unsigned char *cursor = der;
    X509 *certificate = d2i_X509(NULL, &cursor, length);
    if (certificate == NULL) return -1;
    int found = -1;
    const X509_NAME *subject = X509_get_subject_name(certificate);
    int index = subject == NULL ? -1 : X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index >= 0) {
        unsigned char *utf8 = NULL;
        int count = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
        if (count >= 0 && count <= capacity) {
            memcpy(out, utf8, (size_t)count);
            found = count;
        }
        if (utf8 != NULL) OPENSSL_free(utf8);
    }
    X509_free(certificate);
    return found;
}
