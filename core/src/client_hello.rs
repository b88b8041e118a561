//! Just enough of a TLS ClientHello parser to read the SNI host name for TLSRoute
//! passthrough (RFC 8446 §4.1.2, RFC 6066 §3): the first bytes of a TLS connection are its
//! request head. Never decrypts or alters anything, and accepts any ClientHello a backend
//! might, which is why this is not a full TLS stack's stricter parser.

/// What the buffered bytes say so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Sni {
    /// Need more bytes.
    Incomplete,
    /// A complete ClientHello; `None` when it carries no server_name.
    Done(Option<String>),
    /// Not a TLS ClientHello.
    NotTls,
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<usize> {
        self.take(1).map(|b| usize::from(b[0]))
    }
    fn u16(&mut self) -> Option<usize> {
        self.take(2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

/// Parses the first handshake message, which may span several TLS records. The server
/// name comes back lowercased. Bytes after the ClientHello do not change the answer.
pub fn parse(buf: &[u8]) -> Sni {
    // Reassemble handshake bytes from consecutive handshake records.
    let mut hs = Vec::new();
    let mut rest = buf;
    loop {
        if rest.len() < 5 {
            break;
        }
        if rest[0] != 0x16 || rest[1] != 0x03 {
            return Sni::NotTls;
        }
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if rest.len() < 5 + len {
            hs.extend_from_slice(&rest[5..]);
            break;
        }
        hs.extend_from_slice(&rest[5..5 + len]);
        rest = &rest[5 + len..];
        if hs.len() >= 4 {
            let need =
                ((usize::from(hs[1]) << 16) | (usize::from(hs[2]) << 8) | usize::from(hs[3])) + 4;
            if hs.len() >= need {
                break;
            }
        }
    }
    if buf.len() >= 5 && (buf[0] != 0x16 || buf[1] != 0x03) {
        return Sni::NotTls;
    }
    let mut r = Reader(&hs);
    let Some(kind) = r.u8() else {
        return Sni::Incomplete;
    };
    if kind != 1 {
        return Sni::NotTls;
    }
    let Some(len) = r.u24() else {
        return Sni::Incomplete;
    };
    let Some(body) = r.take(len) else {
        return Sni::Incomplete;
    };
    Sni::Done(server_name(body))
}

fn server_name(body: &[u8]) -> Option<String> {
    let mut r = Reader(body);
    r.take(2 + 32)?; // version, random
    let sid = r.u8()?;
    r.take(sid)?;
    let suites = r.u16()?;
    r.take(suites)?;
    let comp = r.u8()?;
    r.take(comp)?;
    let ext_len = r.u16()?;
    let mut exts = Reader(r.take(ext_len)?);
    while let Some(kind) = exts.u16() {
        let len = exts.u16()?;
        let data = exts.take(len)?;
        if kind != 0 {
            continue;
        }
        let mut list = Reader(data);
        let list_len = list.u16()?;
        let mut names = Reader(list.take(list_len)?);
        while let Some(name_type) = names.u8() {
            let n = names.u16()?;
            let name = names.take(n)?;
            if name_type == 0 {
                return std::str::from_utf8(name).ok().map(str::to_ascii_lowercase);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ClientHello with SNI `a.example.com`, split over two records.
    fn hello(sni: &str) -> Vec<u8> {
        let mut ext = Vec::new();
        let name = sni.as_bytes();
        let name_len = u16::try_from(name.len()).unwrap_or(0);
        ext.extend_from_slice(&0u16.to_be_bytes());
        ext.extend_from_slice(&(name_len + 5).to_be_bytes());
        ext.extend_from_slice(&(name_len + 3).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&name_len.to_be_bytes());
        ext.extend_from_slice(name);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0, 2, 0x13, 0x01, 1, 0]);
        body.extend_from_slice(&u16::try_from(ext.len()).unwrap_or(0).to_be_bytes());
        body.extend_from_slice(&ext);
        let len = u16::try_from(body.len()).unwrap_or(0).to_be_bytes();
        let mut hs = vec![1, 0, len[0], len[1]];
        hs.extend_from_slice(&body);
        let (a, b) = hs.split_at(10);
        let mut out = Vec::new();
        for part in [a, b] {
            out.extend_from_slice(&[0x16, 3, 1]);
            out.extend_from_slice(&u16::try_from(part.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn reads_sni_across_records_and_waits_for_more() {
        let h = hello("A.Example.com");
        assert_eq!(parse(&h), Sni::Done(Some("a.example.com".into())));
        for cut in [0, 3, 5, 12, h.len() - 1] {
            assert_eq!(parse(&h[..cut]), Sni::Incomplete, "cut at {cut}");
        }
        assert_eq!(parse(b"GET / HTTP/1.1\r\n"), Sni::NotTls);
    }
}
