// results_window.cpp - the DR log in a modeless window with Copy, Save... and Close.
//
// Windows: a plain resizable top-level window (owned by foobar2000's main window) holding a
// read-only monospace edit control and three buttons, created with CreateWindowExW; no
// dialog resource, no ATL/WTL. Other platforms: popup_message (the text, no buttons).
#include "dr_job.h"

#include <cstring>
#include <memory>
#include <string>

namespace mm_fb2k {

#ifdef _WIN32
namespace {

const wchar_t kWindowClass[] = L"foo_macinmeter_results";
enum : int { kIdEdit = 100, kIdCopy, kIdSave, kIdClose };

struct ResultsWindow {
    std::string text;    // the log as rendered (CRLF line ends, as the edit control wants), saved as is
    std::string folder;  // native folder for the Save dialog, may be empty
    HWND edit = nullptr, copy = nullptr, save = nullptr, close = nullptr;
    HFONT mono = nullptr;
    bool owned_by_window = false;  // set once WM_CREATE ran: WM_NCDESTROY frees it from then on
};

int scale(HWND wnd, int px) {
    HDC dc = GetDC(wnd);
    const int dpi = dc != nullptr ? GetDeviceCaps(dc, LOGPIXELSY) : 96;
    if (dc != nullptr) ReleaseDC(wnd, dc);
    return MulDiv(px, dpi, 96);
}

void layout(HWND wnd, ResultsWindow& st) {
    RECT rc;
    GetClientRect(wnd, &rc);
    const int margin = scale(wnd, 8), bw = scale(wnd, 80), bh = scale(wnd, 26), gap = scale(wnd, 6);
    const int by = rc.bottom - margin - bh;
    MoveWindow(st.edit, margin, margin, (std::max)(0L, rc.right - 2 * margin), (std::max)(0, by - gap - margin), TRUE);
    MoveWindow(st.copy, margin, by, bw, bh, TRUE);
    MoveWindow(st.save, margin + bw + gap, by, bw, bh, TRUE);
    MoveWindow(st.close, rc.right - margin - bw, by, bw, bh, TRUE);
}

void save_log(HWND wnd, const ResultsWindow& st) {
    pfc::string8 name;
    if (!st.folder.empty()) name << st.folder.c_str() << "\\";
    name << "foo_dr.txt";
    if (!uGetOpenFileName(wnd, "Text files (*.txt)|*.txt|All files (*.*)|*.*", 0, "txt", "Save DR log",
                          st.folder.empty() ? nullptr : st.folder.c_str(), name, TRUE))
        return;
    try {
        // A native path from the dialog; foobar2000's filesystem API wants file:// paths.
        pfc::string8 path;
        if (strstr(name.c_str(), "://") == nullptr) path << "file://";
        path << name.c_str();
        file::ptr f;
        filesystem::g_open_write_new(f, path, fb2k::noAbort);
        f->write(st.text.data(), st.text.size(), fb2k::noAbort);
    } catch (const std::exception& e) {
        popup_message::g_complain("MacinMeter could not save the DR log", e);
    }
}

void create_children(HWND wnd, ResultsWindow& st) {
    HINSTANCE inst = core_api::get_my_instance();
    HFONT ui = static_cast<HFONT>(GetStockObject(DEFAULT_GUI_FONT));
    st.mono = CreateFontW(-scale(wnd, 13), 0, 0, 0, FW_NORMAL, FALSE, FALSE, FALSE, DEFAULT_CHARSET, OUT_DEFAULT_PRECIS,
                          CLIP_DEFAULT_PRECIS, CLEARTYPE_QUALITY, FIXED_PITCH | FF_MODERN, L"Consolas");
    st.edit = CreateWindowExW(WS_EX_CLIENTEDGE, L"EDIT", L"",
                              WS_CHILD | WS_VISIBLE | WS_TABSTOP | WS_VSCROLL | WS_HSCROLL | ES_MULTILINE |
                                  ES_READONLY | ES_AUTOVSCROLL | ES_AUTOHSCROLL | ES_NOHIDESEL,
                              0, 0, 0, 0, wnd, reinterpret_cast<HMENU>(static_cast<INT_PTR>(kIdEdit)), inst, nullptr);
    const auto button = [&](const wchar_t* label, int id, DWORD extra) {
        HWND b = CreateWindowExW(0, L"BUTTON", label, WS_CHILD | WS_VISIBLE | WS_TABSTOP | extra, 0, 0, 0, 0, wnd,
                                 reinterpret_cast<HMENU>(static_cast<INT_PTR>(id)), inst, nullptr);
        SendMessageW(b, WM_SETFONT, reinterpret_cast<WPARAM>(ui), FALSE);
        return b;
    };
    st.copy = button(L"&Copy", kIdCopy, BS_DEFPUSHBUTTON);
    st.save = button(L"&Save...", kIdSave, BS_PUSHBUTTON);
    st.close = button(L"Close", kIdClose, BS_PUSHBUTTON);
    SendMessageW(st.edit, WM_SETFONT, reinterpret_cast<WPARAM>(st.mono != nullptr ? st.mono : ui), FALSE);
    SendMessageW(st.edit, EM_SETLIMITTEXT, 0, 0);  // no 32K limit
    uSetWindowText(st.edit, st.text.c_str());
}

LRESULT handle(HWND wnd, UINT msg, WPARAM wp, LPARAM lp) {
    auto* st = reinterpret_cast<ResultsWindow*>(GetWindowLongPtrW(wnd, GWLP_USERDATA));
    switch (msg) {
    case WM_NCCREATE: {
        const auto* cs = reinterpret_cast<const CREATESTRUCTW*>(lp);
        SetWindowLongPtrW(wnd, GWLP_USERDATA, reinterpret_cast<LONG_PTR>(cs->lpCreateParams));
        break;
    }
    case WM_CREATE:
        if (st == nullptr) return -1;
        st->owned_by_window = true;
        create_children(wnd, *st);
        modeless_dialog_manager::g_add(wnd);  // Tab / Esc / Alt+C / Alt+S through IsDialogMessage
        return 0;
    case WM_SIZE:
        if (st != nullptr && st->edit != nullptr) layout(wnd, *st);
        return 0;
    case WM_GETMINMAXINFO: {
        auto* mmi = reinterpret_cast<MINMAXINFO*>(lp);
        mmi->ptMinTrackSize.x = scale(wnd, 360);
        mmi->ptMinTrackSize.y = scale(wnd, 200);
        return 0;
    }
    case WM_COMMAND:
        if (st == nullptr) break;
        switch (LOWORD(wp)) {
        case kIdCopy:
            uSetClipboardString(st->text.c_str());
            return 0;
        case kIdSave:
            save_log(wnd, *st);
            return 0;
        case kIdClose:
        case IDCANCEL:  // Esc
            DestroyWindow(wnd);
            return 0;
        }
        break;
    case WM_CLOSE:
        DestroyWindow(wnd);
        return 0;
    case WM_DESTROY:
        modeless_dialog_manager::g_remove(wnd);
        return 0;
    case WM_NCDESTROY:
        SetWindowLongPtrW(wnd, GWLP_USERDATA, 0);
        if (st != nullptr && st->owned_by_window) {
            if (st->mono != nullptr) DeleteObject(st->mono);
            delete st;
        }
        break;
    }
    return DefWindowProcW(wnd, msg, wp, lp);
}

LRESULT CALLBACK window_proc(HWND wnd, UINT msg, WPARAM wp, LPARAM lp) {
    // No C++ exception may unwind through the system's window-procedure frames.
    try {
        return handle(wnd, msg, wp, lp);
    } catch (const std::exception& e) {
        console::print("MacinMeter: results window: ", e.what());
    } catch (...) {
    }
    return DefWindowProcW(wnd, msg, wp, lp);
}

bool register_class() {
    static bool registered = false;
    if (registered) return true;
    WNDCLASSEXW wc = {};
    wc.cbSize = sizeof(wc);
    wc.lpfnWndProc = window_proc;
    wc.hInstance = core_api::get_my_instance();
    wc.hCursor = LoadCursor(nullptr, IDC_ARROW);
    wc.hbrBackground = reinterpret_cast<HBRUSH>(COLOR_BTNFACE + 1);
    wc.lpszClassName = kWindowClass;
    registered = RegisterClassExW(&wc) != 0 || GetLastError() == ERROR_CLASS_ALREADY_EXISTS;
    return registered;
}

}  // namespace

void show_results_window(const char* title, const char* log_text, const char* save_folder) {
    if (!register_class()) {
        popup_message::g_show(log_text, title);
        return;
    }
    auto st = std::make_unique<ResultsWindow>();
    st->text = log_text != nullptr ? log_text : "";
    st->folder = save_folder != nullptr ? save_folder : "";
    HWND owner = core_api::get_main_window();
    const int w = scale(owner, 760), h = scale(owner, 600);
    HWND wnd = CreateWindowExW(WS_EX_CONTROLPARENT | WS_EX_DLGMODALFRAME, kWindowClass, L"",
                               WS_OVERLAPPEDWINDOW | WS_CLIPCHILDREN, CW_USEDEFAULT, CW_USEDEFAULT, w, h, owner,
                               nullptr, core_api::get_my_instance(), st.get());
    if (wnd == nullptr) {  // WM_CREATE never ran: the state is still ours
        if (st->mono != nullptr) DeleteObject(st->mono);
        popup_message::g_show(log_text, title);
        return;
    }
    st.release();  // the window's now; freed on WM_NCDESTROY
    uSetWindowText(wnd, title);
    ShowWindow(wnd, SW_SHOWNORMAL);
    SetFocus(GetDlgItem(wnd, kIdCopy));
}

#else  // !_WIN32

void show_results_window(const char* title, const char* log_text, const char* save_folder) {
    (void)save_folder;
    popup_message::g_show(log_text, title);
}

#endif

}  // namespace mm_fb2k
