"""Online preprocessing: scalers, encoders, hashing and imputation.

Every transformer learns record by record (``learn_one``/``learn_many``)
and transforms with its current state (``transform_one``/``transform_many``);
in a pipeline a learned record is transformed with the state that already
includes it, as in River. Categorical columns hold codes (see
:class:`~streamlearn.base.schema.Schema`); NaN means missing.

>>> from streamlearn.preprocessing import OneHotEncoder, StandardScaler
>>> prep = StandardScaler() | OneHotEncoder()
>>> _ = prep.learn_one({"bytes": 10.0, "proto": "tcp"}).learn_one({"bytes": 30.0, "proto": "udp"})
>>> prep.transform_one({"bytes": 40.0, "proto": "tcp"})
{'bytes': 2.0, 'proto_tcp': 1.0, 'proto_udp': 0.0}
"""

from streamlearn.preprocessing.feature_hasher import FeatureHasher
from streamlearn.preprocessing.imputer import Imputer
from streamlearn.preprocessing.min_max_scaler import MinMaxScaler
from streamlearn.preprocessing.one_hot_encoder import OneHotEncoder
from streamlearn.preprocessing.ordinal_encoder import OrdinalEncoder
from streamlearn.preprocessing.standard_scaler import StandardScaler

__all__ = [
    "FeatureHasher",
    "Imputer",
    "MinMaxScaler",
    "OneHotEncoder",
    "OrdinalEncoder",
    "StandardScaler",
]
