//! A `Serializer` that reads only a value's outermost name: the variant of
//! an enum, or the name of a struct. It answers with an "error" carrying
//! the name as soon as it knows it, so no field is ever serialised.

use serde::ser::{Impossible, Serializer};
use std::fmt;

/// The serializer (a unit value: it keeps nothing).
pub(super) struct KindOf;

/// The answer: the name, or `None` for a value without one.
#[derive(Debug)]
pub(super) struct Found(pub(super) Option<&'static str>);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Found {}

impl serde::ser::Error for Found {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Found(None)
    }
}

type Nothing = Impossible<(), Found>;

macro_rules! nameless {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<(), Found> {
            Err(Found(None))
        })*
    };
}

impl Serializer for KindOf {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Nothing;
    type SerializeTuple = Nothing;
    type SerializeTupleStruct = Nothing;
    type SerializeTupleVariant = Nothing;
    type SerializeMap = Nothing;
    type SerializeStruct = Nothing;
    type SerializeStructVariant = Nothing;

    nameless!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
    );

    fn serialize_some<T: ?Sized + serde::Serialize>(self, _: &T) -> Result<(), Found> {
        Err(Found(None))
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Found> {
        Err(Found(Some(name)))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Found> {
        Err(Found(Some(v)))
    }
    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        name: &'static str,
        _: &T,
    ) -> Result<(), Found> {
        Err(Found(Some(name)))
    }
    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: &T,
    ) -> Result<(), Found> {
        Err(Found(Some(v)))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Nothing, Found> {
        Err(Found(None))
    }
    fn serialize_tuple(self, _: usize) -> Result<Nothing, Found> {
        Err(Found(None))
    }
    fn serialize_tuple_struct(self, name: &'static str, _: usize) -> Result<Nothing, Found> {
        Err(Found(Some(name)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Nothing, Found> {
        Err(Found(Some(v)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Nothing, Found> {
        Err(Found(None))
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Nothing, Found> {
        Err(Found(Some(name)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Nothing, Found> {
        Err(Found(Some(v)))
    }
}

#[cfg(test)]
mod tests {
    use crate::net::message_kind;
    use serde::Serialize;

    #[derive(Serialize)]
    enum Msg {
        Ping,
        Gossip(Vec<u64>),
        Pair(u8, u8),
        Append { term: u64 },
    }

    #[derive(Serialize)]
    struct Plain {
        x: u8,
    }

    #[test]
    fn names_are_variants_or_struct_names() {
        assert_eq!(message_kind(&Msg::Ping), Some("Ping"));
        assert_eq!(message_kind(&Msg::Gossip(vec![1, 2])), Some("Gossip"));
        assert_eq!(message_kind(&Msg::Pair(1, 2)), Some("Pair"));
        assert_eq!(message_kind(&Msg::Append { term: 3 }), Some("Append"));
        assert_eq!(message_kind(&Plain { x: 1 }), Some("Plain"));
        assert_eq!(message_kind(&()), None);
        assert_eq!(message_kind(&7u64), None);
        assert_eq!(message_kind(&(1u8, 2u8)), None);
    }
}
