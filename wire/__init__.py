"""Wire formats shared by the kiosk and the publisher: keys, the YZ1 codec, the trust list,
the bundle manifest. Imports the domain and its libraries (cbor2, cryptography), nothing above."""
