/*
 * vectors.h - interop data of shared/spec/mcx-kms.md 7.5 and Appendix A
 * (Streamwide set, [SW] StreamwideTestVectors.md), for the crypto_id tests.
 */
#ifndef VECTORS_H
#define VECTORS_H

#define SW_KMS_URI	"kms.mydev.streamwide.com"
#define SW_PERIOD	16777215
#define SW_OFFSET	0
#define SW_PERIOD_NO	236

static const char sw_pub_enc_key[] =
    "046fc2cf00fd48467abe7c02f383002fc49b6632bf0f7071d958f1f128154e6f"
    "ae1f69bb91691a191a358fe647a3e020d2365d52f81fb3af4ea271654f1a8802"
    "74c1ae228ac72cc15d535394321bd2143cea2619fb3b0c6ce7a5f72714d8ef4d"
    "11cb0c991c3376ca31b168b01e66021effdbf7920bd66615e6f0d6a1e61c06e7"
    "2e61b4138738c11bc249a3849e9c4cff327a7d0d2769c3d97a37f86adfb13baa"
    "257e628ce236f40360d3f7b8d95b0e3fcc19417602d7d6b8928b855eae9129be"
    "1f0b87d33e884906dd95a04a8bd61240bad60f9dfada64806726f8f08b86343f"
    "54046416f5198116e9798c218bcf9ca07d0baa4be50062bfe54e44495b6ed59c"
    "b6";

static const char sw_pub_auth_key[] =
    "0448f9c2c48b50735f6bc70ec6691073243f1e0bd83cc73bb936d61ffcb2d604"
    "9a5b297e8205b29fbd8591cb582d6402add21451ce4beebeaaa7520e93b11cf2"
    "8f";

struct sw_user {
	const char	*uri;
	const char	*ssk;
	const char	*pvt;
	const char	*rsk;
};

static const struct sw_user sw_users[] = {
	{ "gms@streamwide.com",
	    "2e7237faa18a874b88d955199dea974b7d0fefcbbae1946baf659b26a4d05a5e",
	    "0468a24d49b184d7008d22f63a415debd38bfa9295f066fa6ada5951c2322d2e"
	    "ca1d6f1d994f22710daef776d9c54d9a338f32395080d6f2bdffb6c7895f12cd"
	    "a2",
	    "043f591611206a0913ecb68ab28e086ac1148fbd5ce4a40bf00a186653ecf6f0"
	    "055f4f1b5ef8a4b527d33dd28c731c7b2829d6329283533d499b04c31e2d3043"
	    "7919f486ef76c8a6cbca2f279724539e52b3a1760077670fc35756a9417625d5"
	    "7876717811bd3f1fb8fb473b547ba874a8f5d747cd63b2ebcdb150f5b454a46e"
	    "c2512a86f0672439d3121a0eddf5995f18e1c77e3423ea34427b62281977e3af"
	    "b9b5c8766c5a32e1f9b29f0bb12d46a03f8f3ec7357e59f969473bcf4d4cdc3c"
	    "dedb6e7982e6477117a3c02d86165896485323c96f53a330e5e995ce83b23127"
	    "542f2177916d5007a5aa116680093911d4bc587cd94e2bdec36d7290ed4f2d39"
	    "98" },
	{ "sip:alice@streamwide.com",
	    "a1be54a56c7905c06abd2be177fc0c137a32278c9067550b0f0d93fb630d2428",
	    "0426cd8b0a33af9b381ee53ebc6841aed5c1c98fb0d2beb9c7ff98d7c79808d1"
	    "f566659f6b735016192dd9984df56e54f3f95c76ac4638c1f3d3228f3c752c8c"
	    "c8",
	    "0428b44cd6dffd2e7fe73521a5c514738287df177c1ae841ba6f5d72601b9c6b"
	    "c5509c3fd800ac1fee833dd81c74ab39d2740a10fba25cd9b0debb25a3da958c"
	    "f52e35e863d2db37ea22b318d23d9911d36f585eb110e430123f3cd84d2692a4"
	    "013bc7f59533e5da2083d8e6e8b96764eb8e8be599dc2361e7428460b8490200"
	    "417baa5bac10efaa5262301b3110f6da9e8bc9c4b62827c3d4f4070a8e341346"
	    "a326a23f219d2a99298036615956bb85a60cf303d15d469c1ee837c29cba5dcc"
	    "b28d74e4ba0d83dac9400d72eecb1817cc60127203f1321e82b7a24f60c07f18"
	    "04a9895cbb455a94694a5ef627b1c631760295dad53f0eed1714ba52d5a932bd"
	    "dd" },
	{ "sip:bob@streamwide.com",
	    "a36885736f21b6ceba48448093086f4ada1ce099bd77e3047c04529ac3f4d4eb",
	    "049c203fda536ae9481eb7f3a1e4662d0adaa6a3b7d3fff0c2dfadd148a754af"
	    "424d434253b62dcd08eb6aedb6cd091e09f8539d41d3ef2d0ce07e8ead352f2d"
	    "d9",
	    "04421d385f108bd51f66abbce40b899efe187dbb08085d9a535fca8766677db3"
	    "17812e48da407235d73399d4d2e2ed4f5a35d7694b64595ce0599e4d3592f5b5"
	    "7ede83890fd798aec2cd96f333d6139d9f7ecfecbb79b769f5fbbc6825beeb25"
	    "999acdf6fb2edd369176f45db0caf5909aa81512e57064c46ae1c23df9284ffb"
	    "a55741cde0b7a8145fdbea76b4ee243d79bd70db4300c55570f342ca0df98e8f"
	    "3b410e1df4ccbdd279403d3da06cad4c5db8d4e078a191a7a0545391e8ca72e5"
	    "1c793448c4ba8be71fbac90a84ded3d6127c4d7438a3132f354b283d65da75a5"
	    "070ecd96f02d694c505efcb05caf2290bf15ee45c15a0e652496b88acbaf1d26"
	    "a3" },
};
#define SW_GMS		0
#define SW_ALICE	1
#define SW_BOB		2

/* GMK message, GMS -> alice (notes 7.5). */
#define SW_GMK		"07d1a1677ac36d8e81620484689b3c2d"
#define SW_GMK_ID	0x0df9bc39U
#define SW_GUK_ID	0x06a12aeaU
#define SW_GMK_RAND	"ca2f5d51ff0866362c1d85a56f84651e"
static const char sw_gmk_msg_b64[] =
    "ARoFAQahKuoBAgQAAQAAAAgN+bw5BqEq6gsA7ImNqAAAAAAOEMovXVH/CGY2LB2F"
    "pW+EZR4OCAEAIBWk1bEoVlONAtkf7bt2bm3Td7AUyS4hZmbI+2eGCNIODgkBACC1"
    "xFIwkhnaaj2AVhVUjWwbD03kWmtI+xPZok2Ff8A9xA4GAQAYa21zLm15ZGV2LnN0"
    "cmVhbXdpZGUuY29tCgcBABhrbXMubXlkZXYuc3RyZWFtd2lkZS5jb20aAAAAGwAB"
    "BgEBEAIBBAQBDAUBAAYBABIBBBMBABQBEBUBAgERBC3aUP1jhkJ9H82+MG+m8UQp"
    "uYzjR5JCHxwWvskS8Mny2EqaxY3EcWJhrcq6qkW8/JHV13Ajl7ONGzddlw0JgInw"
    "5TgkvS8nxlQFtZTNDAQNYfgHfB6mt2ngI7pK7TBSWLx6kWJtP9+GOsQBq8XF5sn8"
    "lU1oc5QYueVprQxfbvCAeNptCSm0d/8tTS1MRoZinm1ptcc56tfqR7SDGaEf4qIw"
    "gi+z6OlimTqd4TfQakk+0SS1N6+FpyTVJaV+vHH+XhbdNEAqvEF4kkVa9uBVbz3o"
    "ibD6qE5r1p5RPLhMdbFSt43kD3m2W0bywQRLcd83h3ToKJjUVZmiJ1looeUhlmLD"
    "lOMS1o5aCogO1Y9BzxcIBAcAR0MAAAAAAQAAAAAAAShwT6Qcj+IPiBwbqw0y2MoG"
    "oSrqAAAkTt3Dv4wqSl0/yYSEQBI+fQVNq0MI1QV1kgbMeJ0FpM4OSTZNIIEiJZ8D"
    "j82CPpmzeAtvAA00Ld0hK6wK+/O6TLeVfE6HxgAGWUHFH/27VKKiyKPa0tpfDhlE"
    "EnWzJiVzWOD/yzXdBGiiTUmxhNcAjSL2OkFd69OL+pKV8Gb6atpZUcIyLS7KHW8d"
    "mU8icQ2u93bZxU2aM48yOVCA1vK9/7bHiV8SzaI=";

/* PCK message, alice -> bob (notes Appendix A.2). */
#define SW_PCK		"b4c96b703acd5c1bf7d4cc45068d9965"
#define SW_PCK_ID	0x16992638U
#define SW_PCK_RAND	"02a28bddaf984c5e0563bc1ce857df83"
static const char sw_pck_msg_b64[] =
    "ARoFARaZJjgAAQsA7ImNqAAAAAAOEAKii92vmExeBWO8HOhX34MOCAEAILXEUjCS"
    "GdpqPYBWFVSNbBsPTeRaa0j7E9miTYV/wD3EDgkBACB4CFHNqRqcM/lBzTooMWl+"
    "KJMmR1TjY/igzvgn6yAagQ4GAQAYa21zLm15ZGV2LnN0cmVhbXdpZGUuY29tCgcB"
    "ABhrbXMubXlkZXYuc3RyZWFtd2lkZS5jb20aAAAAGwABBgEBEAIBBAQBDAUBAAYB"
    "ABIBBBMBABQBEBUBAgERBF0yVtvyB49KhE+ao3Hj8W+gNROh57Tk5/9BWa2jNv1Y"
    "LxYpBxV7206wlv/WHWlzz+NgptVcWgECwaekKAGURuP4TA+dRQpkGvqW8wImX2EF"
    "8Zjy+a1pOZMZ3YFAYRiYEAAGmOByWKdDDOT0TfgL2pPFXS1CvZ/bZtQL03Q8fL/J"
    "InBbnv4dSYiJ9/fkeeqg37yIRsjA3Xfds7k/2o4f0s4NisOs74F2xjE12l3/764H"
    "+g1y2rAMAWkjaJbS9jbVfZNGDauoRhq8zuXEXH1c5ftqs4VEPeOPmWjAkW1rQe8K"
    "xkZbmtrygtNpBIXVeZZEyorzD+MyQ2zL9xoGVs8cToze4NOxYt19SOInSpGO5Q0v"
    "BAcAREMAAAAAAQAAAAAAAfb0FW9YVClhy8qPsQ5m8WcWmSY4AAAhpTVAAi78zLNo"
    "UFiVPGjByx4N9U9gccPiQl1eiCiFLm8BIIFAPW9oE9lYM5oS5nQS9bWbJzGv+vWN"
    "Ah2uUWmyG/OTGMeFzAD0JFMB6zcf7ck7GFns2OEPIGGx+7046le+CihyBCbNiwoz"
    "r5s4HuU+vGhBrtXByY+w0r65x/+Y18eYCNH1ZmWfa3NQFhkt2ZhN9W5U8/lcdqxG"
    "OMHz0yKPPHUsjMg=";

#endif /* VECTORS_H */
