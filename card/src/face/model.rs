//! The values printed on a card, as types that only hold printable, valid values. They are the
//! shared civil-registration types of the `identity` crate.

pub use identity::{
    BloodType, Citizenship, Date, IdentityError, MaritalStatus, Nik, Religion, Sex, TextField,
};
