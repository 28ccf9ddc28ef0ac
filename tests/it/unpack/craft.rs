//! A raw tar writer for the attack corpus: builds headers byte by byte, so malformed and
//! hostile cases (which a tar library would refuse or normalise) can be expressed exactly.

/// One 512-byte header, field by field (ustar layout).
#[derive(Clone)]
pub struct Hdr {
    pub name: Vec<u8>,
    pub typ: u8,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
    pub link: Vec<u8>,
    pub prefix: Vec<u8>,
    pub magic: Magic,
    /// Replaces the size field verbatim (non-octal, base-256 ...).
    pub raw_size: Option<[u8; 12]>,
    pub raw_mtime: Option<[u8; 12]>,
    pub bad_checksum: bool,
    /// Raw bytes written at an offset after the fields (GNU sparse real size ...).
    pub patches: Vec<(usize, Vec<u8>)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Magic {
    Ustar,
    Gnu,
    V7,
}

impl Hdr {
    pub fn new(name: impl AsRef<[u8]>, typ: u8) -> Self {
        Self {
            name: name.as_ref().to_vec(),
            typ,
            size: 0,
            mode: if typ == b'5' { 0o755 } else { 0o644 },
            uid: 0,
            gid: 0,
            mtime: 1_600_000_000,
            link: Vec::new(),
            prefix: Vec::new(),
            magic: Magic::Ustar,
            raw_size: None,
            raw_mtime: None,
            bad_checksum: false,
            patches: Vec::new(),
        }
    }

    pub fn bytes(&self) -> [u8; 512] {
        let mut h = [0u8; 512];
        put(&mut h[0..100], &self.name);
        octal(&mut h[100..108], u64::from(self.mode));
        octal(&mut h[108..116], self.uid);
        octal(&mut h[116..124], self.gid);
        match self.raw_size {
            Some(raw) => h[124..136].copy_from_slice(&raw),
            None => octal(&mut h[124..136], self.size),
        }
        match self.raw_mtime {
            Some(raw) => h[136..148].copy_from_slice(&raw),
            None => octal(&mut h[136..148], self.mtime),
        }
        h[156] = self.typ;
        put(&mut h[157..257], &self.link);
        match self.magic {
            Magic::Ustar => {
                h[257..263].copy_from_slice(b"ustar\0");
                h[263..265].copy_from_slice(b"00");
            }
            Magic::Gnu => h[257..265].copy_from_slice(b"ustar  \0"),
            Magic::V7 => {}
        }
        if self.magic != Magic::V7 {
            put(&mut h[345..500], &self.prefix);
        }
        for (at, bytes) in &self.patches {
            h[*at..*at + bytes.len()].copy_from_slice(bytes);
        }
        h[148..156].copy_from_slice(b"        ");
        let mut sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        if self.bad_checksum {
            sum += 1;
        }
        let text = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(text.as_bytes());
        h
    }
}

fn put(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

fn octal(field: &mut [u8], value: u64) {
    let text = format!("{value:0width$o}\0", width = field.len() - 1);
    if text.len() == field.len() {
        field.copy_from_slice(text.as_bytes());
    } else {
        // too big for octal: GNU base-256 (the flag bit, then the value big-endian)
        field.fill(0);
        let be = value.to_be_bytes();
        let n = field.len();
        if n > 8 {
            field[n - 8..].copy_from_slice(&be);
        } else {
            field[1..].copy_from_slice(&be[8 - (n - 1)..]);
        }
        field[0] |= 0x80;
    }
}

fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % 512;
    if rem != 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

/// A tar stream under construction.
#[derive(Default, Clone)]
pub struct Tar {
    pub bytes: Vec<u8>,
}

impl Tar {
    pub fn new() -> Self {
        Self::default()
    }
    /// A header and its body (padded); `size` is set from the body unless already set.
    pub fn raw(mut self, hdr: Hdr, body: &[u8]) -> Self {
        self.bytes.extend_from_slice(&hdr.bytes());
        self.bytes.extend_from_slice(body);
        pad(&mut self.bytes);
        self
    }
    pub fn file(self, name: impl AsRef<[u8]>, body: &[u8]) -> Self {
        let mut h = Hdr::new(name, b'0');
        h.size = body.len() as u64;
        self.raw(h, body)
    }
    pub fn file_mode(self, name: impl AsRef<[u8]>, body: &[u8], mode: u32) -> Self {
        let mut h = Hdr::new(name, b'0');
        h.size = body.len() as u64;
        h.mode = mode;
        self.raw(h, body)
    }
    pub fn dir(self, name: impl AsRef<[u8]>) -> Self {
        self.raw(Hdr::new(name, b'5'), b"")
    }
    pub fn dir_mode(self, name: impl AsRef<[u8]>, mode: u32) -> Self {
        let mut h = Hdr::new(name, b'5');
        h.mode = mode;
        self.raw(h, b"")
    }
    pub fn symlink(self, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        let mut h = Hdr::new(name, b'2');
        h.link = target.as_ref().to_vec();
        h.mode = 0o777;
        self.raw(h, b"")
    }
    pub fn hardlink(self, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        let mut h = Hdr::new(name, b'1');
        h.link = target.as_ref().to_vec();
        self.raw(h, b"")
    }
    pub fn special(self, name: impl AsRef<[u8]>, typ: u8) -> Self {
        self.raw(Hdr::new(name, typ), b"")
    }
    /// A PAX `x` (or `g`) header with the given records.
    pub fn pax(self, typ: u8, records: &[(&str, &[u8])]) -> Self {
        let mut body = Vec::new();
        for (key, value) in records {
            let rest = key.len() + value.len() + 3; // ' ' '=' '\n'
            let mut len = rest + 1;
            while len.to_string().len() + rest != len {
                len += 1;
            }
            body.extend_from_slice(format!("{len} {key}=").as_bytes());
            body.extend_from_slice(value);
            body.push(b'\n');
        }
        let mut h = Hdr::new("././@PaxHeader", typ);
        h.size = body.len() as u64;
        self.raw(h, &body)
    }
    /// A GNU long-name (`L`) or long-link (`K`) record.
    pub fn gnu_long(self, typ: u8, value: &[u8]) -> Self {
        let mut body = value.to_vec();
        body.push(0);
        let mut h = Hdr::new("././@LongLink", typ);
        h.magic = Magic::Gnu;
        h.size = body.len() as u64;
        self.raw(h, &body)
    }
    /// The end-of-archive marker: two zero blocks.
    pub fn end(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0u8; 1024]);
        self.bytes
    }
    /// No end-of-archive marker (a stream cut on a block boundary).
    pub fn cut(self) -> Vec<u8> {
        self.bytes
    }
}
