# The benchmark record (schemas/bench/record) in Cap'n Proto: one struct per version as its writers
# wrote it, and `Record`, the latest, through which readers read every version. Ordinals never
# change, so the rename and the appended `note` cost nothing; a field's type cannot change, so v3
# adds `kind` and `score` as new fields and keeps the old ones for the hand-written migration,
# which also computes `emailDomain`.
@0xedfd4f19117e89b8;

$import "/capnp/c++.capnp".namespace("bench::cp");

struct RecordV1 {
  schemaVersion @0 :UInt16;
  id @1 :UInt64;
  createdAt @2 :Int64;
  kind @3 :Int32;
  flags @4 :UInt32;
  score @5 :Float32;
  name @6 :Text;
  email @7 :Text;
  tags @8 :List(Text);
  values @9 :List(Int32);
}

struct RecordV2 {
  schemaVersion @0 :UInt16;
  id @1 :UInt64;
  createdAt @2 :Int64;
  kind @3 :Int32;
  flags @4 :UInt32;
  score @5 :Float32;
  displayName @6 :Text;
  email @7 :Text;
  tags @8 :List(Text);
  values @9 :List(Int32);
  note @10 :Text;
}

struct Record {
  schemaVersion @0 :UInt16;
  id @1 :UInt64;
  createdAt @2 :Int64;
  kindV2 @3 :Int32;     # v1 and v2's kind
  flags @4 :UInt32;
  scoreV2 @5 :Float32;  # v1 and v2's score
  displayName @6 :Text;
  email @7 :Text;
  tags @8 :List(Text);
  values @9 :List(Int32);
  note @10 :Text;
  kind @11 :Int64;
  score @12 :Float64;
  emailDomain @13 :Text;
}
