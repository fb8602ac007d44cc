// component.cpp - foo_macinmeter's identity and its context-menu commands.
//
//   right-click tracks -> Dynamic Range -> Measure dynamic range
//                                       -> Measure dynamic range and write tags
#include "shim_sdk.h"

#include "dr_job.h"
#include "mm_bridge.h"

DECLARE_COMPONENT_VERSION(
    "MacinMeter",
    mm_bridge::library_version(),
    "MacinMeter: a Dynamic Range meter giving exactly foobar2000 DR Meter's numbers.\n"
    "Right-click tracks > Dynamic Range > Measure dynamic range: the DR log goes to the "
    "console and to a window with Copy and Save.\n"
    "\"... and write tags\" also stores DYNAMIC RANGE and ALBUM DYNAMIC RANGE.\n"
    "The measuring is done by libmacinmeter (Rust), several tracks at once.");

VALIDATE_COMPONENT_FILENAME("foo_macinmeter.dll");

namespace {

// {8F1118FB-46A6-4D50-A2B5-8081D7AC9616}
constexpr GUID kGroupGuid = {0x8f1118fb, 0x46a6, 0x4d50, {0xa2, 0xb5, 0x80, 0x81, 0xd7, 0xac, 0x96, 0x16}};
// {AAD74A15-858C-4C31-92EC-0F364CD5CC60}
constexpr GUID kMeasureGuid = {0xaad74a15, 0x858c, 0x4c31, {0x92, 0xec, 0x0f, 0x36, 0x4c, 0xd5, 0xcc, 0x60}};
// {9FF202FE-F1E0-4D22-899F-D628A37237E2}
constexpr GUID kMeasureTagGuid = {0x9ff202fe, 0xf1e0, 0x4d22, {0x89, 0x9f, 0xd6, 0x28, 0xa3, 0x72, 0x37, 0xe2}};

// Advanced Preferences > Tools > MacinMeter.
// {BC9D8248-24FF-4C31-90AD-40F9E6B2DBD5}
constexpr GUID kBranchGuid = {0xbc9d8248, 0x24ff, 0x4c31, {0x90, 0xad, 0x40, 0xf9, 0xe6, 0xb2, 0xdb, 0xd5}};
// {1579A770-F6B2-4104-B7A2-62A37D32D2E9}
constexpr GUID kChannelColumnsGuid = {0x1579a770, 0xf6b2, 0x4104, {0xb7, 0xa2, 0x62, 0xa3, 0x7d, 0x32, 0xd2, 0xe9}};

advconfig_branch_factory g_branch("MacinMeter", kBranchGuid, advconfig_branch::guid_branch_tools, 0);
// The log's per-channel DR and RMS columns for stereo tracks (DR Meter's own option).
advconfig_checkbox_factory g_channel_columns("Per-channel columns for stereo", kChannelColumnsGuid, kBranchGuid, 0,
                                             false);

contextmenu_group_popup_factory g_group(kGroupGuid, contextmenu_groups::root, "Dynamic Range", 0);

class DrMenu : public contextmenu_item_simple {
public:
    enum { kMeasure = 0, kMeasureAndTag, kCount };

    unsigned get_num_items() override { return kCount; }

    void get_item_name(unsigned index, pfc::string_base& out) override {
        out = index == kMeasureAndTag ? "Measure dynamic range and write tags" : "Measure dynamic range";
    }

    GUID get_item_guid(unsigned index) override { return index == kMeasureAndTag ? kMeasureTagGuid : kMeasureGuid; }

    bool get_item_description(unsigned index, pfc::string_base& out) override {
        out = index == kMeasureAndTag
                  ? "Measures the dynamic range of the selected tracks and writes DYNAMIC RANGE and "
                    "ALBUM DYNAMIC RANGE tags."
                  : "Measures the dynamic range of the selected tracks and shows the DR log.";
        return true;
    }

    GUID get_parent() override { return kGroupGuid; }

    // Main thread. start_measurement copies the selection before the worker sees it.
    void context_command(unsigned index, metadb_handle_list_cref tracks, const GUID&) override {
        try {
            mm_fb2k::start_measurement(tracks, index == kMeasureAndTag, g_channel_columns.get());
        } catch (const std::exception& e) {
            popup_message::g_complain("MacinMeter could not start the measurement", e);
        }
    }
};

contextmenu_item_factory_t<DrMenu> g_menu;

}  // namespace
