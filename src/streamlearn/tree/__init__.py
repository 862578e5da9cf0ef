"""Incremental decision trees: the Hoeffding tree family.

Learners
--------
:class:`HoeffdingTreeClassifier`
    VFDT (Domingos and Hulten, 2000) with MOA's semantics and defaults.
:class:`HoeffdingAdaptiveTreeClassifier`
    HAT-ADWIN (Bifet and Gavaldà, 2009): ADWIN at the split nodes, alternate
    subtrees where the error rises.
:class:`ExtremelyFastDecisionTreeClassifier`
    EFDT (Manapragada et al., 2018): splits once a split beats none, and
    re-evaluates its splits.
:class:`HoeffdingTreeRegressor`
    Variance-reduction splits, linear models at the leaves (FIMT-DD's ideas).
:class:`HoeffdingAdaptiveTreeRegressor`
    The adaptive tree's alternates over the regression tree.

Design (shared by the trees to come: Hoeffding adaptive tree, EFDT, the
Hoeffding tree regressor, the adaptive random forest)
---------------------------------------------------------------------------

*Storage* (``_nodes.py``). A tree is a struct of NumPy arrays, never Python
node objects. Node arrays (``feature_``, ``kind_``, ``threshold_``,
``child_start_``, ``n_children_``, ``missing_branch_``, ``depth_``,
``parent_``, ``slot_``, ``class_counts_``, ``last_eval_``) are indexed by
node id; the children of a split node are contiguous (``child_start_ +
branch``), so routing a row is a loop of array reads. Only *active leaves*
own a statistics *slot*; per-slot arrays hold what a leaf needs to split and
to predict (``num_stats_``: a Gaussian estimator and range per (feature,
class); ``cat_counts_``: counts per (category, class) with one block per
categorical column at ``cat_offset_``; ``n_values_``, ``nba_``,
``disabled_``). Slots of leaves that split or are deactivated are recycled
through ``free_slots_``, so memory follows the number of active leaves.
Scalar bookkeeping lives in ``counters_``. Every array has declared axis
roles (``LAYOUT``) from which one generic routine grows it; a new learner
declares its own leaf arrays (a regressor: target moments per leaf and per
(feature, bin)) and reuses the node arrays, growth and export unchanged.

*Kernels* (``_kernels.py``, ``_splitters.py``, ``_criteria.py``). All
per-record work is compiled with numba and receives the arrays as one named
tuple (``Tree``): ``route`` (shared by every tree), ``leaf_votes``,
``learn_leaf``, ``attempt_split`` (candidates from the splitters, criteria and
the Hoeffding bound), ``split_leaf``, ``enforce_memory``, and the batch loops
``run`` (learn, or test-then-train) and ``predict``. The kernels never
allocate tree storage: when a split needs room, ``run`` returns the row and
phase it stopped at and the capacity it needs; Python doubles the arrays and
resumes there. Sizes depend only on learned data, so a batch and a loop of
single records give identical state, and ``_test_then_train`` is exactly a
loop of ``predict_proba_one``/``learn_one`` (same kernels on 1-row arrays).
Reuse, as built: :func:`~streamlearn.tree._kernels.learn_row` learns a row
of any weight, and with ``ip[SUBSPACE]`` new leaves observe random feature
subsets (``Tree.rng``). The adaptive tree and EFDT (``_reshaping.py``,
``_hat_kernels.py``, ``_efdt_kernels.py``) add per-node arrays (``alt_``,
``det_``, a pool of ADWIN detectors); discarded subtrees become DEAD nodes,
reclaimed by compaction between rows, and an alternate that replaces a
node is *moved into* the node's id so children stay contiguous. The
regressors (``_regression_kernels.py``) keep the node arrays and routing
and declare their own leaf arrays (target moments per node, histograms of
target moments per (slot, feature, bin), linear models). The forests in
:mod:`streamlearn.ensemble` stack any of these layouts with a leading member
axis (``stacked``) and run the same kernels per member.

*State* is only the ``*_`` arrays plus the schema and labels, so
``streamlearn.save``/``load``/``digest`` work and learning continues
identically after a load.
"""

from streamlearn.tree.extremely_fast_decision_tree import ExtremelyFastDecisionTreeClassifier
from streamlearn.tree.hoeffding_adaptive_tree import HoeffdingAdaptiveTreeClassifier
from streamlearn.tree.hoeffding_adaptive_tree_regressor import HoeffdingAdaptiveTreeRegressor
from streamlearn.tree.hoeffding_tree import HoeffdingTreeClassifier
from streamlearn.tree.hoeffding_tree_regressor import HoeffdingTreeRegressor

__all__ = [
    "ExtremelyFastDecisionTreeClassifier",
    "HoeffdingAdaptiveTreeClassifier",
    "HoeffdingAdaptiveTreeRegressor",
    "HoeffdingTreeClassifier",
    "HoeffdingTreeRegressor",
]
